from __future__ import annotations

import base64
from typing import Any

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from publish import changes, stats
from publish.report import render_report

EVIL_TITLE = '<script>alert("x")</script><img src=x onerror=alert(1)> Näringslivsprogram'


def inventory(year: int, rows: list[dict[str, Any]]) -> pd.DataFrame:
    base: dict[str, Any] = {
        "status": "program_found", "program_title": None, "program_url": None, "program_type": "naringsliv",
        "valid_from": 2023, "valid_to": 2026, "sha256": None, "rus_link": False, "intermunicipal_link": False,
        "action_plan": None, "year": year,
    }  # fmt: skip
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame = frame.astype({"valid_from": "Int64", "valid_to": "Int64", "year": "Int64", "action_plan": "boolean",
                          "rus_link": "boolean", "intermunicipal_link": "boolean"})  # fmt: skip
    return stats.apply_year(frame, year)


def municipality(code: str, name: str, county_code: str, county: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "county_code": county_code, "county": county, **extra}


@pytest.fixture(scope="module")
def rendered() -> tuple[BeautifulSoup, dict[str, Any]]:
    previous = inventory(2024, [
        municipality("0114", "Upplands Väsby", "01", "Stockholms län", program_title="Näringslivsprogram 2023-2026",
                     program_url="https://vasby.example/p.pdf", sha256="a" * 64),
        municipality("0115", "Vallentuna", "01", "Stockholms län", program_title="Tillväxtprogram",
                     program_url="https://vallentuna.example/t.pdf", sha256="b" * 64),
        municipality("0305", "Håbo", "03", "Uppsala län", status="no_program_found", program_type=None),
    ])  # fmt: skip
    current = inventory(2025, [
        municipality("0114", "Upplands Väsby", "01", "Stockholms län", program_title="Näringslivsprogram 2023-2026",
                     program_url="https://vasby.example/ny/p.pdf", sha256="a" * 64, action_plan=True),
        municipality("0115", "Vallentuna", "01", "Stockholms län", status="site_unreachable", program_type=None),
        municipality("0305", "Håbo", "03", "Uppsala län", program_title=EVIL_TITLE,
                     program_url="javascript:alert(1)", sha256="c" * 64, program_type="tillvaxt", rus_link=True,
                     needs_review=True, review_reasons="is_program 0.58; sustainability 0.46"),
    ])  # fmt: skip
    summary = stats.summarise(current)
    by_county = stats.summarise_by_county(current)
    change_list = changes.compare_inventories(previous, current)
    links = current[current["program_url"].notna()][["code", "name", "program_title", "program_url"]].assign(
        found_via="link", related_urls="https://vasby.example/handlingsplan.pdf ; javascript:alert(2)"
    )
    html = render_report(
        year=2025, summary=summary, by_county=by_county, changes=change_list, links=links, inventory=current
    )
    soup = BeautifulSoup(html, "html.parser")
    return soup, {"summary": summary, "by_county": by_county, "changes": change_list, "html": html,
                  "current": current, "links": links}


def number(text: str) -> float | None:
    return float(text.replace(",", ".")) if text.strip() else None


def test_headline_sentences_are_the_summary_sentences(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, data = rendered
    shown = [p.get_text() for p in soup.select("#headline p.headline")]
    assert shown == stats.headline_sentences(data["summary"], 2025)
    assert shown[1].startswith("2 av 3 kommuner (67 %) hade ett gällande")


def test_summary_table_shows_the_figures_of_summary_csv(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, data = rendered
    rows = soup.select("table#summary tbody tr")
    summary = data["summary"]
    assert [r["data-key"] for r in rows] == summary["metric"].tolist()
    for row, expected in zip(rows, summary.to_dict("records"), strict=True):
        cells = [td.get_text() for td in row.find_all("td")]
        assert cells[0] == expected["label"]
        assert number(cells[1]) == expected["count"]
        for text, column in zip(cells[2:], ("denominator", "percent", "ci_low", "ci_high"), strict=True):
            value = expected[column]
            assert number(text) == (None if pd.isna(value) else float(value)), (expected["metric"], column)


def test_county_table_matches_by_county(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, data = rendered
    by_county = data["by_county"].set_index(["county_code", "metric"])
    rows = soup.select("table#county tbody tr")
    assert [r["data-key"] for r in rows] == ["01", "03"]
    for row in rows:
        code = row["data-key"]
        cells = [td.get_text() for td in row.find_all("td")]
        assert number(cells[1]) == by_county.loc[(code, "municipalities"), "count"]
        assert number(cells[2]) == by_county.loc[(code, "reached"), "count"]
        assert number(cells[3]) == by_county.loc[(code, "in_force"), "count"]
        assert number(cells[4]) == float(by_county.loc[(code, "in_force"), "percent"])


def test_charts_are_embedded_pngs_and_nothing_is_loaded_from_outside(
    rendered: tuple[BeautifulSoup, dict[str, Any]],
) -> None:
    soup, data = rendered
    images = soup.find_all("img")
    assert len(images) == 5
    for image in images:
        prefix, payload = image["src"].split(",", 1)
        assert prefix == "data:image/png;base64"
        assert base64.b64decode(payload).startswith(b"\x89PNG\r\n\x1a\n")
        assert image["alt"]
    assert not soup.find_all(["script", "link", "iframe"])


def test_hostile_values_are_escaped_and_not_linked(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, data = rendered
    assert EVIL_TITLE in soup.get_text()  # shown as text ...
    assert not soup.find_all(attrs={"onerror": True})  # ... never as markup
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert "https://vasby.example/handlingsplan.pdf" in hrefs


def test_change_and_alert_lists(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, _ = rendered
    alerts = [[td.get_text() for td in r.find_all("td")] for r in soup.select("table#alerts tbody tr")]
    assert len(alerts) == 1 and alerts[0][0] == "Vallentuna" and alerts[0][2] == "Tillväxtprogram"
    assert alerts[0][4] == "Webbplatsen kunde inte nås"
    listed = {r.find("td").get_text(): r.find_all("td")[1].get_text() for r in soup.select("table#changes tbody tr")}
    assert listed == {
        "Upplands Väsby": changes.CHANGES["moved"],
        "Vallentuna": changes.CHANGES["disappeared"],
        "Håbo": changes.CHANGES["new"],
    }
    links = [r.find_all("td")[0].get_text() for r in soup.select("table#links tbody tr")]
    assert links == ["Upplands Väsby", "Håbo"]


def test_municipalities_without_a_programme_are_named_per_status(
    rendered: tuple[BeautifulSoup, dict[str, Any]],
) -> None:
    soup, _ = rendered
    groups = {h["data-key"]: h.find_next_sibling("p").get_text() for h in soup.select("#without-programme h3")}
    assert groups == {"site_unreachable": "Vallentuna"}
    assert soup.select_one("#without-programme h3").get_text() == "Webbplatsen kunde inte nås (1)"


def test_no_alerts_says_so(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    _, data = rendered
    quiet = changes.compare_inventories(None, data["current"])
    soup = BeautifulSoup(render_report(year=2025, summary=data["summary"], by_county=data["by_county"],
                                       changes=quiet, links=data["links"], inventory=data["current"]),
                         "html.parser")
    assert soup.select_one("#alerts-none").get_text() == "Inga larm."
    assert not soup.select("table#alerts")


def test_comparison_with_2017_has_intervals_or_says_about(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    from publish.report import INVENTORY_2017

    soup, data = rendered
    rows = {r["data-key"]: [td.get_text() for td in r.find_all("td")]
            for r in soup.select("table#comparison tr[data-key]")}
    assert list(rows) == [f.metric for f in INVENTORY_2017]
    low, high = stats.wilson_interval(116, 290)
    assert rows["in_force"][3] == "116 av 290 (40,0 %)"
    assert rows["in_force"][4] == f"{100 * low:.1f}–{100 * high:.1f} %".replace(".", ",")
    assert rows["type_naringsliv"][3] == "81 av 116 (69,8 %)" and rows["type_annat"][3] == "24 av 116 (20,7 %)"
    assert rows["regional_none"][3].startswith("två tredjedelar") and "ungefärlig" in rows["regional_none"][4]
    assert rows["action_plan"][3].startswith("omkring hälften")
    assert rows["regional_rus"][3:] == ["10 %", "antal okänt"]
    in_force = data["summary"].set_index("metric").loc["in_force"]
    assert rows["in_force"][1] == f"{in_force['count']} av {in_force['denominator']} (66,7 %)"


def test_review_queue_and_links_are_in_swedish(rendered: tuple[BeautifulSoup, dict[str, Any]]) -> None:
    soup, _ = rendered
    review = {r["data-key"]: [td.get_text() for td in r.find_all("td")] for r in soup.select("table#review tbody tr")}
    assert review == {"0305": ["Håbo", "Program hittat", EVIL_TITLE, "Är ett program 0,58; Hållbarhet betonas 0,46"]}
    links = [[td.get_text() for td in r.find_all("td")] for r in soup.select("table#links tbody tr")]
    assert links[1][3] == "Tillväxtprogram/-strategi" and links[1][6] == "Länk"
    assert links[0][7] == "handlingsplan.pdf" + "javascript:alert(2)"  # short link text; the script is not linked
