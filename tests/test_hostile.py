"""``make test-hostile``: the pipeline against a hostile local web and damaged state (issue 16).

Each case runs the real code (a crawl child process, the extraction workers, the CLI) against
``hostile_web`` on loopback, checks that it fails closed and clean (a reason code, a one-line error,
never a silent "no programme"), and records wall time and the peak memory of the whole process tree.
The module writes ``outputs/bench/hostile.json``: cases tried, crashes, tracebacks, and per case its wall
time and peak process-tree memory (with the tree's size when the case began: in a full ``make test`` the
test process itself has grown by then). Each case is small (seconds), so the suite runs in the default CI run.
"""

from __future__ import annotations

import json
import os
import platform
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from crawlserver import crawl_site, page
from hostile_web import (
    MIB,
    PDF_LINK,
    HostileSite,
    TreeMemory,
    big_html,
    bomb,
    calendar_trap,
    docx_entity_bomb,
    docx_zip_bomb,
    huge_length,
    pdf_reply,
    programme_pdf,
    robots,
    sitemap_bomb,
    slow,
    trickle,
)

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "outputs" / "bench" / "hostile.json"
TREE_LIMIT = 1536 * MIB  # issue 16: the whole process tree stays under 1.5 GB on hostile input
# Small limits, so every case ends in seconds: time-outs of 1 s, 4 MiB downloads.
CRAWL = {"download_timeout": 1.0, "max_download_bytes": 4 * MIB, "budget": 40, "use_search": False}

Case = Callable[[Path], dict[str, Any]]
CASES: dict[str, Case] = {}


def case(func: Case) -> Case:
    CASES[func.__name__] = func
    return func


def _crawl(routes: dict[str, Any], tmp_path: Path, *, address: str = "127.0.0.1", **config: Any) -> dict[str, Any]:
    log = tmp_path / "crawl.log"
    with HostileSite(routes, address=address) as site:
        result = crawl_site(site, tmp_path, log_file=str(log), **{**CRAWL, **config})
        paths = site.paths()
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    outcome = result.outcome
    return {"status": outcome["status"], "reason": outcome["reason"], "requests": outcome["requests"],
            "bytes": outcome["bytes_downloaded"], "errors": outcome["detail"].get("errors", {}), "paths": paths,
            "traceback": "Traceback" in text or any(k.startswith("internal:") for k in outcome["detail"]["errors"])}


def _home(*links: tuple[str, str]) -> dict[str, Any]:
    return {"/robots.txt": robots(), "/": page("Testby kommun", *links), PDF_LINK[0]: pdf_reply()}


# -- the crawl -----------------------------------------------------------------------------------------------
@case
def ipv6_website(tmp_path: Path) -> dict[str, Any]:
    import socket

    try:
        socket.socket(socket.AF_INET6).close()
        socket.getaddrinfo("::1", 0, socket.AF_INET6)
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    out = _crawl(_home(PDF_LINK), tmp_path, address="::1")
    # Crawled, with an outcome and a reason, never an empty row read as "no programme". Scrapy's threaded
    # resolver (under SafeResolver) resolves names to IPv4 only, so a literal IPv6 host does not connect
    # yet: site_unreachable/dns (docs/crawler.md); found once the resolver speaks IPv6.
    assert out["status"] in ("found", "site_unreachable") and out["reason"] and out["requests"] >= 1, out
    return out


@case
def bad_and_ipv6_links(tmp_path: Path) -> dict[str, Any]:
    routes = _home(("http://[::1/broken", "Trasig"), ("http://[::1]:1/x.pdf", "IPv6-länk"), PDF_LINK)
    out = _crawl(routes, tmp_path)
    assert out["status"] == "found" and out["errors"].get("bad_link") == 1 and PDF_LINK[0] in out["paths"], out
    return out


@case
def robots_5xx(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/robots.txt": (503, {}, b"busy")}, tmp_path)
    assert (out["status"], out["reason"]) == ("blocked_by_robots", "robots_unavailable"), out
    assert set(out["paths"]) == {"/robots.txt"}
    return out


@case
def robots_timeout(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/robots.txt": slow(2.0, robots())}, tmp_path)
    assert (out["status"], out["reason"]) == ("site_unreachable", "timeout"), out
    assert set(out["paths"]) == {"/robots.txt"}
    return out


@case
def slow_response(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/": slow(2.0, page("Testby"))}, tmp_path)
    assert (out["status"], out["reason"]) == ("site_unreachable", "timeout"), out
    return out


@case
def header_trickle(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/": trickle(2.0)}, tmp_path)
    assert (out["status"], out["reason"]) == ("site_unreachable", "timeout"), out
    return out


@case
def content_length_100gb(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/": huge_length}, tmp_path)
    assert (out["status"], out["reason"]) == ("site_unreachable", "too_large"), out
    return out


def _bomb_case(encoding: str) -> Case:
    def run(tmp_path: Path) -> dict[str, Any]:
        out = _crawl({**_home(PDF_LINK), "/": bomb(encoding, 64 * MIB)}, tmp_path)
        assert (out["status"], out["reason"]) == ("site_unreachable", "decompression_bomb"), out
        return out
    run.__name__ = f"{encoding}_bomb"
    return run


for _encoding in ("gzip", "deflate", "br"):
    case(_bomb_case(_encoding))


@case
def sitemap_bomb_gz(tmp_path: Path) -> dict[str, Any]:
    routes = {**_home(), "/sitemap.xml": sitemap_bomb(300_000)}  # gzip, about 20 MB of XML inflated
    out = _crawl(routes, tmp_path, use_sitemaps=True)
    assert out["status"] == "not_found_within_budget" and "/sitemap.xml" in out["paths"], out
    return out


@case
def redirect_loop(tmp_path: Path) -> dict[str, Any]:
    routes = {**_home(PDF_LINK), "/": (302, {"Location": "/a"}, b""), "/a": (302, {"Location": "/"}, b"")}
    out = _crawl(routes, tmp_path)
    assert (out["status"], out["reason"]) == ("site_unreachable", "redirect_loop"), out
    return out


@case
def link_traps(tmp_path: Path) -> dict[str, Any]:
    routes = {**_home(("/kalender?date=1", "Kalender"), ("/nyheter?sida=1", "Nyheter")),
              "/kalender": calendar_trap, "/nyheter": calendar_trap}
    routes.update({f"/a/a/a/{i}/": page("Mer") for i in range(50)})
    out = _crawl(routes, tmp_path)
    assert out["status"] == "not_found_within_budget" and out["requests"] < 15, out
    return out


@case
def html_as_pdf(tmp_path: Path) -> dict[str, Any]:
    routes = {**_home(PDF_LINK), PDF_LINK[0]: (200, {"Content-Type": "application/pdf"}, page("Sidan finns")[2])}
    out = _crawl(routes, tmp_path)
    assert out["status"] in ("found", "not_found_within_budget") and not out["traceback"], out
    return out


@case
def html_20mb(tmp_path: Path) -> dict[str, Any]:
    out = _crawl({**_home(PDF_LINK), "/": big_html(20 * MIB)}, tmp_path, max_download_bytes=32 * MIB)
    assert out["errors"].get("html_cut") == 1 and out["status"] == "not_found_within_budget", out
    return out


@case
def byte_flood(tmp_path: Path) -> dict[str, Any]:
    links = [(f"/dokument/naringslivsprogram-{i}.pdf", f"Näringslivsprogram {i}") for i in range(40)]
    routes = {"/robots.txt": robots(), "/": page("Testby kommun", *links),
              **{href: pdf_reply(1 * MIB) for href, _ in links}}
    out = _crawl(routes, tmp_path, max_bytes_per_municipality=5 * MIB)
    assert out["reason"] == "byte_budget_exhausted" and out["bytes"] < 7 * MIB, out
    return out


# -- extraction -----------------------------------------------------------------------------------------------
def _extract(data: bytes, content_type: str, filename: str) -> dict[str, Any]:
    from extract.reader import ExtractItem, extract_many

    ((_, ext),) = list(extract_many([ExtractItem("x", data, content_type, filename)], workers=1))
    return {"error": ext.error.code if ext.error else None, "chars": len(ext.text), "traceback": False}


@case
def truncated_pdf(tmp_path: Path) -> dict[str, Any]:
    out = _extract(programme_pdf()[:400], "application/pdf", "p.pdf")
    assert out["error"] is not None, out
    return out


@case
def encrypted_pdf(tmp_path: Path) -> dict[str, Any]:
    from reportlab.lib.pdfencrypt import StandardEncryption

    out = _extract(programme_pdf(StandardEncryption("hemligt", ownerPassword="x", strength=128)),
                   "application/pdf", "p.pdf")
    assert out["error"] == "pdf_encrypted", out
    return out


@case
def docx_zip_bomb_case(tmp_path: Path) -> dict[str, Any]:
    out = _extract(docx_zip_bomb(400 * MIB), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   "p.docx")
    assert out["error"] is not None, out
    return out


@case
def docx_entity_bomb_case(tmp_path: Path) -> dict[str, Any]:
    out = _extract(docx_entity_bomb(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                   "p.docx")
    assert out["chars"] < 100_000, out  # refused, or read without expanding the entities
    return out


@case
def html_document_20mb(tmp_path: Path) -> dict[str, Any]:
    out = _extract(big_html(20 * MIB)[2], "text/html; charset=utf-8", "p.html")
    assert out["error"] is None and out["chars"] < 2_200_000, out
    return out


# -- the store, the lock, the model, secrets (through the CLI) -------------------------------------------
def _cli(args: list[str], capsys: Any) -> dict[str, Any]:
    from inventory.cli import main

    code = main(args)
    err = capsys.readouterr().err.strip()
    return {"exit": code, "stderr": err, "traceback": "Traceback" in err}


@case
def symlinked_store(tmp_path: Path) -> dict[str, Any]:
    from base.errors import LockError
    from base.lock import run_lock

    real = tmp_path / "k.sqlite"
    real.touch()
    (tmp_path / "alias.sqlite").symlink_to(real)
    with run_lock(str(real)), pytest.raises(LockError):
        run_lock(str(tmp_path / "alias.sqlite")).acquire()
    return {"refused": True, "traceback": False}


def damaged_store(tmp_path: Path, capsys: Any) -> dict[str, Any]:
    import sqlite3

    from base.store import Store

    db = tmp_path / "k.sqlite"
    store = Store.open(str(db))
    run = store.start_run(2026, "x", {})
    store.save_results(run, 2026, [{"code": "0114", "name": "A", "status": "no_program_found", "decisions": []}])
    store.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE results SET row = '{' WHERE code = '0114'")
    out = _cli(["stats", "--year", "2026", "--db", str(db), "--out", str(tmp_path / "o")], capsys)
    assert out["exit"] == 4 and len(out["stderr"].splitlines()) == 1, out
    return out


def tampered_model(tmp_path: Path, capsys: Any) -> dict[str, Any]:
    from classify.artefact import write_digest
    from classify.model import MODEL_DIR

    model = tmp_path / "model"
    model.mkdir()
    payload = json.loads((MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    payload["tasks"]["is_program"]["coef"][0][0] = float("nan")
    next(b for b in payload["tasks"]["rus_link"]["blocks"] if b["kind"] == "specs")["specs"][0] = "log:renamed"
    (model / "model.json").write_text(json.dumps(payload), encoding="utf-8")
    write_digest(model / "model.json")
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Näringslivsprogram"}\n', encoding="utf-8")
    out = _cli(["predict", "--input", str(src), "--output", str(tmp_path / "o.jsonl"), "--model", str(model)], capsys)
    assert out["exit"] == 5 and len(out["stderr"].splitlines()) == 1, out
    return out


def password_in_db_url(tmp_path: Path, capsys: Any) -> dict[str, Any]:
    out = _cli(["crawl", "--db", "mysql://kp:hunter22@127.0.0.1/k"], capsys)
    assert out["exit"] == 4 and "hunter22" not in out["stderr"], out
    return out


CLI_CASES = {f.__name__: f for f in (damaged_store, tampered_model, password_in_db_url)}


# -- the report ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report() -> Iterator[list[dict[str, Any]]]:
    rows: list[dict[str, Any]] = []
    started = time.monotonic()
    yield rows
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    peak = max((r["peak_tree_mb"] for r in rows), default=0.0)
    REPORT.write_text(json.dumps({
        "cases_tried": len(rows), "passed": sum(r["passed"] for r in rows),
        "crashes": sum(r["crash"] for r in rows), "tracebacks": sum(r["traceback"] for r in rows),
        "peak_tree_mb": peak, "limit_tree_mb": TREE_LIMIT // MIB, "wall_s": round(time.monotonic() - started, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "cases": rows,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _measure(name: str, run: Callable[[], dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    row: dict[str, Any] = {"case": name, "passed": False, "crash": False, "traceback": False}
    started = time.monotonic()
    with TreeMemory() as memory:
        try:
            detail = run()
            row.update(passed=True, traceback=bool(detail.pop("traceback", False)))
            row["detail"] = {k: v for k, v in detail.items() if k != "paths"}
        except AssertionError as exc:
            row["detail"] = str(exc)[:300]
            raise
        except Exception:
            row.update(crash=True, traceback=True, detail=traceback.format_exc(limit=3)[-600:])
            raise
        finally:
            row["wall_s"] = round(time.monotonic() - started, 2)
            row["peak_tree_mb"] = round(memory.peak / MIB, 1)
            row["start_tree_mb"] = round(memory.start / MIB, 1)  # the test process before the case began
            rows.append(row)
    assert memory.peak < TREE_LIMIT, f"{name}: the process tree peaked at {memory.peak / MIB:.0f} MB"
    assert not row["traceback"], f"{name}: a traceback was written"


@pytest.mark.hostile
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_case(name: str, tmp_path: Path, report: list[dict[str, Any]]) -> None:
    _measure(name, lambda: CASES[name](tmp_path), report)


@pytest.mark.hostile
@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_hostile_state(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       report: list[dict[str, Any]]) -> None:
    _measure(name, lambda: CLI_CASES[name](tmp_path, capsys), report)
