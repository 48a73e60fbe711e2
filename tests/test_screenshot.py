"""report.html as an analyst sees it: headless Chromium lays it out at 1280 px without a horizontal scroll
bar, even with long titles and URLs in the links table, and takes the screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from publish import changes, stats
from publish.report import render_report
from publish.screenshot import CHROMIUM, screenshot

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None and not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to check the report's layout",
)

LONG_URL = ("https://www.exempelkommun.se/download/18.6a3f2c1b17e5d4c3b2a1/1700000000000/"
            "Naringslivsprogram-for-Exempelkommun-2024-2030-antaget-av-kommunfullmaktige-2023-11-16.pdf")


def report(tmp_path: Path) -> Path:
    rows = [{"code": f"{1400 + i:04d}", "name": f"Kommun{i} med ett långt namn", "county_code": "14",
             "county": "Västra Götalands län", "status": "program_found",
             "program_title": "Strategi för ett hållbart och konkurrenskraftigt näringsliv i kommunen 2024–2030 "
                              "med handlingsplan för tillväxt, etablering och kompetensförsörjning",
             "program_url": LONG_URL + f"?v={i}", "program_type": "naringsliv", "valid_from": 2024, "valid_to": 2030,
             "year": 2025, "rus_link": True, "intermunicipal_link": False, "needs_review": i % 2 == 0,
             "review_reasons": "is_program 0.58; business_collaboration 0.46" if i % 2 == 0 else None}
            for i in range(8)]
    inventory = pd.DataFrame(rows).astype({"valid_from": "Int64", "valid_to": "Int64", "year": "Int64"})
    inventory = stats.apply_year(inventory, 2025)
    links = inventory[["code", "name", "program_title", "program_url"]].assign(
        found_via="offsite", related_urls=" ; ".join([LONG_URL.replace(".pdf", "-handlingsplan.pdf")] * 3))
    html = render_report(year=2025, summary=stats.summarise(inventory), by_county=stats.summarise_by_county(inventory),
                         changes=changes.compare_inventories(None, inventory), links=links, inventory=inventory)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_report_fits_1280_px_and_the_screenshot_is_taken(tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    layout = screenshot(report(tmp_path), png, width=1280)
    assert layout.width <= 1280, f"the page scrolls sideways: {layout}"
    assert layout.widest_table_right <= 1280, f"a table runs off the page: {layout}"
    from PIL import Image

    with Image.open(png) as image:
        assert image.size == (1280, max(600, layout.height))
        assert layout.height > 2000  # the whole page, not one screen


def test_a_table_that_runs_off_the_page_is_measured(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text("<!DOCTYPE html><html><body><table><tr><td style='white-space:nowrap'>"
                    + "x" * 400 + "</td></tr></table></body></html>", encoding="utf-8")
    layout = screenshot(page, tmp_path / "wide.png", width=1280)
    assert layout.widest_table_right > 1280 and layout.width > 1280
