from __future__ import annotations

from typing import Any

import pandas as pd

from publish import changes


def side(rows: list[dict[str, Any]], year: int) -> pd.DataFrame:
    base = {"name": None, "county": "Kronobergs län", "status": "program_found", "in_force": True,
            "program_title": None, "program_url": None, "sha256": None, "valid_from": None, "valid_to": None,
            "year": year}  # fmt: skip
    frame = pd.DataFrame([{**base, "name": f"K{r['code']}", **r} for r in rows])
    return frame.astype({"in_force": "boolean", "valid_from": "Int64", "valid_to": "Int64", "year": "Int64"})


PROGRAMME = {"program_title": "Näringslivsprogram 2019-2022", "program_url": "https://k.example/p.pdf",
             "sha256": "a" * 64, "valid_from": 2019, "valid_to": 2022}  # fmt: skip
NOTHING = {"status": "no_program_found", "in_force": False}

SCENARIOS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("0760", PROGRAMME, PROGRAMME, "unchanged"),
    ("0761", PROGRAMME, {**PROGRAMME, "program_url": "https://k.example/ny/p.pdf"}, "moved"),
    ("0763", PROGRAMME, {**PROGRAMME, "program_url": "https://k.example/x.pdf", "sha256": "b" * 64}, "moved"),
    (
        "0764",
        PROGRAMME,
        {
            **PROGRAMME,
            "sha256": "c" * 64,
            "program_title": "Näringslivsprogram 2023-2026",
            "valid_from": 2023,
            "valid_to": 2026,
        },
        "revised",
    ),  # fmt: skip
    ("0765", PROGRAMME, {**PROGRAMME, "status": "expired_only", "in_force": False}, "expired"),
    ("0767", PROGRAMME, NOTHING, "disappeared"),
    ("0780", PROGRAMME, {"status": "site_unreachable", "in_force": pd.NA}, "disappeared"),
    ("0781", NOTHING, PROGRAMME, "new"),
    ("0821", NOTHING, NOTHING, "absent"),
    ("0834", {**PROGRAMME, "status": "expired_only", "in_force": False}, {**PROGRAMME, "in_force": True}, "new"),
]


def test_each_kind_of_change() -> None:
    previous = side([{"code": c, **p} for c, p, _, _ in SCENARIOS], 2024)
    current = side([{"code": c, **n} for c, _, n, _ in SCENARIOS], 2025)
    before = current.copy()
    result = changes.compare_inventories(previous, current)
    pd.testing.assert_frame_equal(current, before)
    assert list(result.columns) == list(changes.CHANGE_COLUMNS)
    assert dict(zip(result["code"], result["change"], strict=True)) == {c: want for c, _, _, want in SCENARIOS}
    moved = result.set_index("code").loc["0763"]
    assert moved["note"] == "samma titel och period, ny fil"
    assert (moved["previous_url"], moved["current_url"]) == ("https://k.example/p.pdf", "https://k.example/x.pdf")
    assert moved["previous_period"] == "2019–2022" and moved["previous_year"] == 2024
    assert result.set_index("code").loc["0780", "note"] == "status nu: site_unreachable"
    assert set(result["change"]) <= set(changes.CHANGES)


def test_first_inventory_has_only_new_and_absent() -> None:
    current = side([{"code": "0760", **PROGRAMME}, {"code": "0761", **NOTHING}], 2025)
    result = changes.compare_inventories(None, current)
    assert result["change"].tolist() == ["new", "absent"]
    assert result["previous_title"].isna().all()


def test_municipalities_new_to_the_input_count_as_having_had_nothing() -> None:
    previous = side([{"code": "0760", **PROGRAMME}], 2024)
    current = side([{"code": "0760", **PROGRAMME}, {"code": "0761", **PROGRAMME}, {"code": "0762", **NOTHING}], 2025)
    result = changes.compare_inventories(previous, current)
    assert result["change"].tolist() == ["unchanged", "new", "absent"]


def test_alerts_are_the_programmes_no_longer_found() -> None:
    previous = side([{"code": c, **p} for c, p, _, _ in SCENARIOS], 2024)
    current = side([{"code": c, **n} for c, _, n, _ in SCENARIOS], 2025)
    found = changes.alerts(changes.compare_inventories(previous, current))
    assert list(found.columns) == list(changes.ALERT_COLUMNS)
    assert found["code"].tolist() == ["0767", "0780"]
    assert found["current_status"].tolist() == ["no_program_found", "site_unreachable"]
    assert found["previous_url"].tolist() == ["https://k.example/p.pdf"] * 2
    assert changes.alerts(changes.compare_inventories(None, current)).empty


def test_docs_describe_every_change() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert [c for c in changes.CHANGES if f"| `{c}` |" not in docs] == []
