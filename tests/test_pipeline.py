"""The pipeline's smoke test: a real Scrapy crawl over HTTP of a few local municipal sites, then real
extraction, the shipped model, pandas statistics and every output file, all through the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.mockserver import closed_port, serve_sites

ROOT = Path(__file__).resolve().parent.parent

PROGRAMME_LINES = [
    "NÄRINGSLIVSPROGRAM",
    "för Botkyrka kommun 2024–2027",
    "Antaget av kommunfullmäktige 2023-11-16 § 142. Diarienummer KS 2023/611.",
    "Näringslivsprogrammet är framtaget i dialog med det lokala näringslivet, företagarföreningar och",
    "kommunens näringslivsråd. Programmet gäller 2024–2027 och följs upp årligen.",
    "Vision: Botkyrka ska ha Sveriges bästa företagsklimat för små och växande företag.",
    "Fokusområden: företagsklimat, etablering, kompetensförsörjning och hållbar utveckling.",
    "Programmet bryts ned i en årlig handlingsplan med aktiviteter som beslutas i samband med budgeten.",
    "Hållbarhet är en grundprincip för programmet: vi arbetar mot de globala målen i Agenda 2030.",
    "Programmet bidrar till den regionala utvecklingsstrategin RUFS 2050 för Stockholmsregionen.",
]

HTML_PROGRAMME = """<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Näringslivsstrategi 2025–2030 - Salems kommun</title></head><body>
<nav><a href="/">Start</a> <a href="/kommun-och-politik/">Kommun och politik</a></nav>
<main><h1>Näringslivsstrategi för Salems kommun 2025–2030</h1>
<p>Näringslivsstrategin antogs av kommunfullmäktige den 12 december 2024, § 98, och gäller 2025–2030.</p>
<p>Strategin har tagits fram tillsammans med företagare i Salem och Företagarna Salem.</p>
<h2>Mål</h2><p>Salem ska bli en av de tio bästa kommunerna i Stockholms län i Svenskt Näringslivs ranking.</p>
<h2>Fokusområden</h2><p>Service och bemötande, kompetensförsörjning, mark och lokaler, infrastruktur.</p>
<p>Till strategin hör en handlingsplan som revideras varje år.</p></main>
<footer>Salems kommun, 144 80 Rönninge</footer></body></html>"""


def programme_pdf() -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in PROGRAMME_LINES:
        pdf.drawString(50, y, line)
        y -= 22
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def page(title: str, body: str) -> tuple[str, bytes]:
    html = (f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><header><a href='/'>Startsida</a></header><main><h1>{title}</h1>{body}</main></body></html>")
    return "text/html; charset=utf-8", html.encode()


ROBOTS = ("text/plain", b"User-agent: *\nDisallow: /sok/\n")
SITES = {
    "botkyrka": {
        "/robots.txt": ROBOTS,
        "/": page("Botkyrka kommun", '<a href="/naringsliv-och-arbete/">Näringsliv och arbete</a> '
                                     '<a href="/skola/">Skola</a>'),
        "/skola/": page("Skola", "<p>Grundskola och förskola.</p>"),
        "/naringsliv-och-arbete/": page("Näringsliv och arbete",
                                        '<a href="/naringsliv-och-arbete/naringslivsprogram/">Näringslivsprogram</a>'),
        "/naringsliv-och-arbete/naringslivsprogram/": page(
            "Näringslivsprogram", '<p>Kommunens näringslivsprogram.</p><h2>Dokument</h2>'
            '<a href="/globalassets/naringslivsprogram-2024-2027.pdf">Näringslivsprogram 2024–2027 (pdf, 2 kB)</a>'),
        "/globalassets/naringslivsprogram-2024-2027.pdf": ("application/pdf", programme_pdf()),
    },
    "salem": {
        "/robots.txt": ROBOTS,
        "/": page("Salems kommun", '<a href="/foretag/">Företag och näringsliv</a>'),
        "/foretag/": page("Företag och näringsliv",
                          '<a href="/foretag/naringslivsstrategi/">Näringslivsstrategi 2025–2030</a>'),
        "/foretag/naringslivsstrategi/": ("text/html; charset=utf-8", HTML_PROGRAMME.encode()),
    },
    "haninge": {
        "/robots.txt": ROBOTS,
        "/": page("Haninge kommun", '<a href="/uppleva/">Uppleva och göra</a> <a href="/omsorg/">Omsorg</a>'),
        "/uppleva/": page("Uppleva och göra", "<p>Bad, bibliotek och friluftsliv.</p>"),
        "/omsorg/": page("Omsorg och hjälp", "<p>Hemtjänst och särskilt boende.</p>"),
    },
}


def municipalities_csv(path: Path, urls: dict[str, str]) -> Path:
    rows = [("0127", "Botkyrka", urls["botkyrka"]), ("0128", "Salem", urls["salem"]),
            ("0136", "Haninge", urls["haninge"]), ("0138", "Tyresö", f"http://127.0.0.1:{closed_port()}/")]
    lines = ["code,name,county_code,county,website"]
    lines += [f"{code},{name},01,Stockholms län,{url}" for code, name, url in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inventory", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def inventory_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    work = tmp_path_factory.mktemp("e2e")
    with serve_sites(SITES) as urls:
        csv_path = municipalities_csv(work / "municipalities.csv", urls)
        result = cli("run", "--municipalities", str(csv_path), "--year", "2025", "--out", str(work / "out"),
                     "--db", str(work / "store.sqlite"), "--allow-private-addresses", cwd=work)
    return work, result


def test_run_succeeds_with_one_summary_line(inventory_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _work, result = inventory_run
    assert result.returncode == 0, result.stderr
    assert "4 municipalities" in result.stdout
    assert "0138 Tyresö: site unreachable" in result.stderr


def test_progress_is_one_plain_line_per_municipality_off_a_terminal(
    inventory_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _work, result = inventory_run
    lines = [line for line in result.stderr.splitlines() if re.match(r"kommunprogram: \d/4 ", line)]
    assert sorted(line.split()[2] for line in lines) == ["0127", "0128", "0136", "0138"]
    assert lines[-1].startswith("kommunprogram: 4/4 ")
    assert "kommunprogram: crawling 4 municipalities" in result.stderr
    assert "no operator contact" not in result.stderr  # loopback only: not the real web


def test_review_queue_names_its_reasons(inventory_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = inventory_run
    for row in read_csv(work / "out" / "inventory.csv"):
        if row["status"] == "site_unreachable":
            assert (row["needs_review"], row["review_reasons"]) == ("", "")
            continue
        assert row["needs_review"] == ("true" if row["review_reasons"] else "false"), row
        for reason in filter(None, row["review_reasons"].split("; ")):
            if reason == "too_little_text":  # a document too short to judge: no probability to give
                continue
            label, probability = reason.rsplit(" ", 1)
            assert label in ("is_program", "program_type", "status", "rus_link", "intermunicipal_link",
                             "action_plan", "sustainability", "business_collaboration", "annual_activities")
            assert 0 <= float(probability) <= 1


def test_inventory_has_one_row_per_municipality(inventory_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = inventory_run
    rows = {r["code"]: r for r in read_csv(work / "out" / "inventory.csv")}
    assert list(rows) == ["0127", "0128", "0136", "0138"]
    required = ("code name county status program_title program_url program_type valid_from valid_to in_force "
                "regional_category rus_link intermunicipal_link action_plan sustainability business_collaboration "
                "annual_activities confidence found_via requests").split()
    assert set(required) <= set(rows["0127"])
    pdf = rows["0127"]
    assert pdf["status"] == "program_found"
    assert pdf["program_url"].endswith("/globalassets/naringslivsprogram-2024-2027.pdf")
    assert (pdf["program_type"], pdf["valid_from"], pdf["valid_to"], pdf["in_force"]) == (
        "naringsliv", "2024", "2027", "true")
    assert pdf["found_via"] == "link"
    assert pdf["action_plan"] == "true" and pdf["annual_activities"] == "true"
    html = rows["0128"]
    assert html["status"] == "program_found"
    assert html["program_url"].endswith("/foretag/naringslivsstrategi/")
    assert (html["valid_from"], html["valid_to"], html["in_force"]) == ("2025", "2030", "true")
    assert rows["0136"]["status"] == "no_program_found"
    assert rows["0136"]["program_url"] == "" and rows["0136"]["in_force"] == "false"
    assert rows["0138"]["status"] == "site_unreachable"
    assert int(rows["0127"]["requests"]) >= 3


def test_summary_documents_and_links(inventory_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = inventory_run
    out = work / "out"
    summary = read_csv(out / "summary.csv")
    assert list(summary[0])[:6] == ["metric", "count", "denominator", "percent", "ci_low", "ci_high"]
    figures = {r["metric"]: r for r in summary}
    assert (figures["in_force"]["count"], figures["in_force"]["denominator"], figures["in_force"]["percent"]) == (
        "2", "4", "50.0")
    assert figures["reached"]["count"] == "3"
    documents = read_csv(out / "documents.csv")
    picked = {d["code"]: d for d in documents if d["picked"] == "true"}
    assert set(picked) == {"0127", "0128"}
    assert all(d["reason"] for d in documents)
    links = {r["code"]: r for r in read_csv(out / "links.csv")}
    assert set(links) == {"0127", "0128"}
    for name in ("inventory.xlsx", "report.html", "run-report.json"):
        assert (out / name).stat().st_size > 0
    report = json.loads((out / "run-report.json").read_text())
    assert [s["name"] for s in report["stages"]] == ["crawl", "extract", "classify", "stats"]


def test_stages_rerun_alone(inventory_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    work, _ = inventory_run
    db = str(work / "store.sqlite")
    extract = cli("extract", "--db", db, "--year", "2025", cwd=work)
    assert extract.returncode == 0 and "0 extracted" in extract.stdout, extract.stderr  # cached by content hash
    classify = cli("classify", "--db", db, "--year", "2025", cwd=work)
    assert classify.returncode == 0, classify.stderr
    stats = cli("stats", "--db", db, "--year", "2024", "--out", str(work / "y2024"), cwd=work)
    assert stats.returncode == 0, stats.stderr
    rows = {r["code"]: r for r in read_csv(work / "y2024" / "inventory.csv")}
    assert rows["0127"]["in_force"] == "true"  # 2024-2027
    assert rows["0128"]["in_force"] == "false"  # 2025-2030 had not started in 2024


def test_an_unfinished_crawl_is_an_error_never_no_programme() -> None:
    """Issue 16 item 1: a municipality whose crawl never recorded an outcome is ``error`` with a reason."""
    from base.municipalities import Municipality
    from classify.select import Selection
    from inventory.pipeline import final_status, inventory_row

    unfinished = {"code": "0114", "state": "in_progress", "status": None, "reason": None}
    assert final_status(unfinished, "no_program_found") == "error"
    muni = Municipality("0114", "Upplands Väsby", "01", "Stockholms län", "http://[::1]:8080/")
    row = inventory_row(muni, unfinished, Selection("no_program_found", None, None), [], {}, {}, 2026, 1, {})
    assert (row["status"], row["reason"]) == ("error", "crawl_unfinished")


def test_a_document_too_short_to_judge_is_listed_for_review() -> None:
    from base.municipalities import Municipality
    from classify.select import Decision, Selection
    from inventory.pipeline import inventory_row

    muni = Municipality("0114", "Upplands Väsby", "01", "Stockholms län", "https://www.upplandsvasby.se/")
    selection = Selection("no_program_found", None, None, [Decision("t", "u", False, "too_little_text", "r")])
    outcome = {"status": "found", "reason": "hit_done", "robots_blocked": "[]"}
    cand = {"sha256": "t", "url": "https://www.upplandsvasby.se/naringslivsprogram.pdf", "final_url": None,
            "anchor_text": "Näringslivsprogram 2024-2027", "filename": None, "route": "link",
            "source_page": None, "link_score": 300.0, "content_type": "application/pdf"}
    row = inventory_row(muni, outcome, selection, [cand], {}, {}, 2026, 1, {})
    assert row["status"] == "no_program_found" and row["needs_review"] is True
    assert row["decisions"][0]["role"] == "too_little_text"
    # A short page that names no programme (a menu page the crawl kept) is no reason for review.
    menu = dict(cand, url="https://www.upplandsvasby.se/naringsliv/", anchor_text="Näringsliv")
    row = inventory_row(muni, outcome, selection, [menu], {}, {}, 2026, 1, {})
    assert not row["needs_review"]
