"""inventory.pipeline's statuses end to end (issue 13): a real crawl of local sites through the CLI, the
model in the crawl loop, and a status for each that says what really happened.

Each site is its own loopback address (127.0.5.x), so a business-promotion host is another host, as on the
real web. OCR is switched off by running without ``tesseract`` on the PATH.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from tests.crawlserver import SiteServer

ROOT = Path(__file__).resolve().parent.parent
HTML = {"Content-Type": "text/html; charset=utf-8"}
TEXT = {"Content-Type": "text/plain"}
PDF = {"Content-Type": "application/pdf"}
OPEN = b"User-agent: *\nDisallow:\n"
NO_SEARCH = b"User-agent: *\nDisallow: /sok\n"

PROGRAMME = (
    "Kommunen antog programmet i kommunfullmäktige. Programmet har tagits fram i dialog med det lokala "
    "näringslivet, företagarföreningar och kommunens näringslivsråd. Vision: kommunen ska ha ett av landets "
    "bästa företagsklimat för små och växande företag. Fokusområden är service och bemötande, "
    "kompetensförsörjning, mark och lokaler för etablering, infrastruktur och hållbar tillväxt. Programmet "
    "bryts ned i en årlig handlingsplan med aktiviteter som följs upp varje år av kommunstyrelsen."
)


SEARCH_FORM = '<form action="/sok" method="get"><input type="search" name="q"></form>'


def page(title: str, *links: tuple[str, str], body: str = "", extra: str = "") -> tuple[int, dict[str, str], bytes]:
    anchors = " ".join(f'<a href="{href}">{text}</a>' for href, text in links)
    html = (f'<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav><a href="/">Startsida</a>{extra}</nav><main><h1>{title}</h1><p>{body}</p>{anchors}</main>'
            "</body></html>")
    return 200, HTML, html.encode("utf-8")


def scanned_pdf(lines: list[str]) -> bytes:
    """An image-only page: without OCR nothing of it can be read."""
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.truetype("DejaVuSans.ttf", 40)
    except OSError:
        font = ImageFont.load_default()
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((120, 150 + i * 70), line, fill=0, font=font)
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def site(robots: bytes = OPEN, *home_links: tuple[str, str], **routes: Any) -> dict[str, Any]:
    # Every home page has a search form: robots.txt that forbids /sok forbids the crawler's search requests.
    out: dict[str, Any] = {"/robots.txt": (200, TEXT, robots),
                           "/": page("Välkommen till kommunen", ("/skola/", "Skola"), *home_links, extra=SEARCH_FORM),
                           "/skola/": page("Skola", body="Grundskola och förskola i kommunen.")}
    out.update({path.replace("__", "/"): reply for path, reply in routes.items()})
    return out


def sites(business_url: str) -> dict[str, dict[str, Any]]:
    return {
        # robots.txt forbids only the search page, and there is no programme: searched, nothing found.
        "Alby": site(NO_SEARCH, ("/naringsliv/", "Näringsliv"),
                     **{"/naringsliv/": page("Näringsliv", body="Vi hjälper företag att starta och växa.")}),
        # the same robots.txt, and a programme: found.
        "Bby": site(NO_SEARCH, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/naringsliv/program/", "Näringslivsprogram 2024-2027")),
                       "/naringsliv/program/": page("Näringslivsprogram för Bby kommun 2024-2027",
                                                    body=PROGRAMME)}),
        # robots.txt forbids the programme page itself: blocked_by_robots.
        "Cby": site(b"User-agent: *\nDisallow: /naringsliv/program/\n", ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/naringsliv/program/", "Näringslivsprogram 2024-2027")),
                       "/naringsliv/program/": page("Näringslivsprogram 2024-2027", body=PROGRAMME)}),
        # a programme that starts after the inventory year (2025): found, not in force, never expired_only.
        "Dby": site(OPEN, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/naringsliv/strategi/", "Näringslivsstrategi 2027-2030")),
                       "/naringsliv/strategi/": page("Näringslivsstrategi för Dby kommun 2027-2030",
                                                     body="Strategin gäller 2027-2030. " + PROGRAMME)}),
        # the programme is a scan and there is no OCR: needs_ocr, with the document named.
        "Eby": site(OPEN, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/files/naringslivsprogram-2024-2027.pdf",
                                                           "Näringslivsprogram 2024-2027 (pdf)")),
                       "/files/naringslivsprogram-2024-2027.pdf": (200, PDF, scanned_pdf(
                           ["Näringslivsprogram för Eby kommun", "2024-2027"]))}),
        # the programme sits on the business company's host, two clicks in: found there, host recorded.
        "Fby": site(OPEN, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", (business_url, "Fby Business (länk till annan webbplats)"))}),
        # a programme page whose title names no programme ("Politiska mål för näringslivet"): the model reads it.
        "Gby": site(OPEN, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/naringsliv/mal/", "Politiska mål för näringslivet")),
                       "/naringsliv/mal/": page("Politiska mål för näringslivet",
                                                body="Näringslivsprogrammet för Gby kommun 2024-2027. " + PROGRAMME)}),
        # a neighbour's programme, named in its link words, comes first; this municipality's own is behind a
        # link that names nothing: the neighbour's is no hit, so the crawl goes on and finds the own one.
        "Hby": site(OPEN, ("/naringsliv/", "Näringsliv"),
                    **{"/naringsliv/": page("Näringsliv", ("/naringsliv/granne/", "Näringslivsprogram 2024-2027"),
                                            ("/naringsliv/mer/", "Mer om vårt arbete")),
                       "/naringsliv/granne/": page("Näringslivsprogram för Sala kommun 2024-2027",
                                                   body="Sala kommuns näringslivsprogram. " + PROGRAMME),
                       "/naringsliv/mer/": page("Mer om vårt arbete", ("/naringsliv/mer/sida/", "Läs mer"),
                                                body="Kommunen arbetar med företagsklimatet."),
                       "/naringsliv/mer/sida/": page("Politiska mål för näringslivet",
                                                     body="Näringslivsprogrammet för Hby kommun 2024-2027. "
                                                     + PROGRAMME)}),
    }


def business_site() -> dict[str, Any]:
    return {"/robots.txt": (200, TEXT, OPEN),
            "/": page("Fby Business", ("/om-oss/", "Om oss"), ("/vart-arbete/", "Vårt arbete")),
            "/om-oss/": page("Om oss", body="Fby Business är kommunens näringslivsbolag."),
            "/vart-arbete/": page("Vårt arbete", ("/vart-arbete/program/", "Så arbetar vi")),
            "/vart-arbete/program/": page("Näringslivsprogram för Fby kommun 2024-2027", body=PROGRAMME)}


CODES = {"Alby": "0114", "Bby": "0115", "Cby": "0117", "Dby": "0120", "Eby": "0123", "Fby": "0125", "Gby": "0126",
         "Hby": "0127"}


@pytest.fixture(scope="module")
def statuses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("statuses")
    with ExitStack() as stack:
        business = stack.enter_context(SiteServer(business_site(), address="127.0.5.99"))
        servers = {name: stack.enter_context(SiteServer(routes, address=f"127.0.5.{i + 1}"))
                   for i, (name, routes) in enumerate(sites(business.url).items())}
        lines = ["code,name,county_code,county,website"]
        lines += [f"{CODES[name]},{name},01,Stockholms län,{s.url}" for name, s in servers.items()]
        (work / "m.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        nowhere = work / "bin"  # a PATH without tesseract: OCR is not available to the run
        nowhere.mkdir()
        result = subprocess.run(
            [sys.executable, "-m", "inventory", "run", "--municipalities", str(work / "m.csv"), "--year", "2025",
             "--out", str(work / "out"), "--db", str(work / "store.sqlite"), "--allow-private-addresses"],
            cwd=work, capture_output=True, text=True, timeout=600,
            env={"PYTHONPATH": str(ROOT), "PATH": str(nowhere), "HOME": str(work)})
        assert result.returncode == 0, result.stderr
    with (work / "out" / "inventory.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["name"]: r for r in csv.DictReader(fh)}
    with (work / "out" / "summary.csv").open(encoding="utf-8", newline="") as fh:
        summary = {r["metric"]: r for r in csv.DictReader(fh)}
    with sqlite3.connect(work / "store.sqlite") as db:
        details = {code: json.loads(detail) for code, detail in db.execute(
            "select code, detail from run_municipalities")}
    yield {"rows": rows, "summary": summary, "details": details, "stderr": result.stderr}


def test_a_disallowed_search_page_is_not_blocked_by_robots(statuses: dict[str, Any]) -> None:
    assert statuses["rows"]["Alby"]["status"] == "no_program_found"
    assert statuses["rows"]["Bby"]["status"] == "program_found"


def test_robots_txt_that_forbids_the_programme_page_is_blocked_by_robots(statuses: dict[str, Any]) -> None:
    assert statuses["rows"]["Cby"]["status"] == "blocked_by_robots"


def test_a_programme_that_has_not_started_is_found_not_in_force(statuses: dict[str, Any]) -> None:
    row = statuses["rows"]["Dby"]
    assert (row["status"], row["in_force"], row["valid_from"]) == ("program_found", "false", "2027")


def test_a_scanned_programme_without_ocr_is_needs_ocr_and_counted(statuses: dict[str, Any]) -> None:
    row = statuses["rows"]["Eby"]
    assert row["status"] == "needs_ocr"
    assert row["needs_ocr_document"].endswith("/files/naringslivsprogram-2024-2027.pdf")
    assert statuses["summary"]["needs_ocr"]["count"] == "1"
    assert statuses["stderr"].count("scanned PDFs will not be read") == 1  # said once, at the start


def test_a_programme_on_the_business_host_is_found_and_the_host_recorded(statuses: dict[str, Any]) -> None:
    row = statuses["rows"]["Fby"]
    assert (row["status"], row["found_via"]) == ("program_found", "offsite")
    assert row["program_url"].startswith("http://127.0.5.99:")
    assert statuses["details"][CODES["Fby"]]["business_hosts"] == ["127.0.5.99"]


def test_a_programme_page_without_a_programme_title_is_read_by_the_model(statuses: dict[str, Any]) -> None:
    row = statuses["rows"]["Gby"]
    assert row["status"] == "program_found" and row["program_url"].endswith("/naringsliv/mal/")


def test_a_neighbours_programme_does_not_end_the_crawl(statuses: dict[str, Any]) -> None:
    row = statuses["rows"]["Hby"]
    assert row["status"] == "program_found" and row["program_url"].endswith("/naringsliv/mer/sida/"), (
        statuses["details"][CODES["Hby"]])
