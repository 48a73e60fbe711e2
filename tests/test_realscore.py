"""bench/realscore.py: the metrics of make bench-real on tiny hand-made inventories and truths."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import realscore  # noqa: E402

TAGS = dict(rus_link=False, intermunicipal_link=False, action_plan=True, sustainability=False,
            business_collaboration=True, annual_activities=False)
A = "http://127.0.1.1:9/naringsliv/program.pdf"
B = "http://127.0.1.2:9/nyheter/nytt-program/"


def prog(urls: list[str], status: str = "current", vf: int | None = 2024, vt: int | None = 2028) -> dict[str, Any]:
    return {"status": status, "urls": urls, "valid_from": vf, "valid_to": vt, "regional_category": "none",
            "traits": {"program_type": "naringsliv", **TAGS}}


def test_recall_is_also_given_without_the_ambiguous_programmes(truth: dict[str, Any]) -> None:
    truth["sites"]["0004"]["programmes"][0]["ambiguous"] = True  # say, an announcement labelled a programme
    inv = pd.DataFrame([row("0001", "program_found", A), row("0004", "no_program_found")])
    scores = realscore.score_municipalities(inv, truth).set_index("code")
    assert scores.loc["0004", "ambiguous_programme"] and not scores.loc["0001", "ambiguous_programme"]
    totals = realscore.summarise_scores(scores.reset_index())
    assert totals["recall"] == 0.5
    assert totals["with_unambiguous_programme"] == 1 and totals["recall_unambiguous"] == 1.0
    # the status of 0004 is arguable; of the other three sites, 0002 and 0003 are missing (error rows)
    assert scores.loc["0004", "arguable_status"] and totals["status_accuracy_unambiguous"] == round(1 / 3, 4)


def site(name: str, status: str, programmes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "expected_status": status, "expected_status_without_ocr": status, "programmes": programmes}


@pytest.fixture
def truth() -> dict[str, Any]:
    return {
        "inventory_year": 2026,
        "sites": {
            "0001": site("Ett", "program_found", [prog([A, A + "?x=1"])]),
            "0002": site("Två", "no_program_found", []),
            "0003": site("Tre", "expired_only", [prog([B], "expired", 2015, 2018)]),
            "0004": site("Fyra", "program_found", [prog([B + "fyra"])]),
        },
    }


def row(code: str, status: str, url: str | None = None, **kw: Any) -> dict[str, Any]:
    base = {"code": code, "status": status, "program_url": url, "program_type": "naringsliv" if url else None,
            "valid_from": 2024 if url else None, "valid_to": 2028 if url else None,
            "regional_category": "none" if url else None, "needs_review": False, "requests": 10,
            **{t: (v if url else None) for t, v in TAGS.items()}}
    return base | kw


def test_found_false_programmes_status_and_labels(truth: dict[str, Any]) -> None:
    inv = pd.DataFrame([
        row("0001", "program_found", A + "/", sustainability=True),  # found, one label wrong
        row("0002", "program_found", "http://127.0.1.3:9/parti/", needs_review=True),  # a look-alike published
        row("0003", "expired_only"),
        row("0004", "no_program_found", needs_review=True),  # missed
    ])
    scores = realscore.score_municipalities(inv, truth).set_index("code")
    assert scores.loc["0001", "found"] and not scores.loc["0001", "false_programme"]
    assert scores.loc["0001", "wrong_labels"] == "sustainability"
    assert scores.loc["0002", "false_programme"] and not scores.loc["0002", "status_ok"]
    assert scores.loc["0003", "status_ok"] and not scores.loc["0003", "wrong"]
    assert not scores.loc["0004", "found"] and scores.loc["0004", "wrong"]
    totals = realscore.summarise_scores(scores.reset_index())
    assert totals["recall"] == 0.5 and totals["false_programmes"] == 1
    assert totals["false_programme_share_of_published"] == 0.5
    assert totals["status_accuracy"] == 0.5
    assert totals["label_accuracy_on_found"]["sustainability"] == 0.0
    assert totals["label_accuracy_on_found"]["program_type"] == 1.0
    # wrong rows: 0001 (label), 0002, 0004; review flags 0002 and 0004
    assert totals["wrong_rows"] == 3 and totals["wrong_rows_caught_by_review"] == round(2 / 3, 4)
    assert totals["needs_review_share"] == 0.5
    assert totals["requests"] == {"median": 10, "total": 40}


def test_a_missing_municipality_is_an_error_row(truth: dict[str, Any]) -> None:
    scores = realscore.score_municipalities(pd.DataFrame([row("0001", "program_found", A)]), truth)
    assert list(scores["status"]) == ["program_found", "error", "error", "error"]


def test_an_expired_programme_published_as_current_is_a_false_programme(truth: dict[str, Any]) -> None:
    scores = realscore.score_municipalities(pd.DataFrame([row("0003", "program_found", B)]), truth)
    assert scores.set_index("code").loc["0003", "false_programme"]


def test_session_ids_and_trailing_slashes_do_not_matter() -> None:
    assert realscore.url_key(A + ";jsessionid=ABC123") == realscore.url_key(A)
    assert realscore.url_key("http://h:1/a/b/") == realscore.url_key("http://h:1/a/b")


def test_summary_deviation_is_machine_minus_truth_in_points(truth: dict[str, Any]) -> None:
    truth_frame = realscore.truth_inventory(truth)
    assert list(truth_frame["status"]) == ["program_found", "no_program_found", "expired_only", "program_found"]
    # the machine finds one of the two programmes: 25 % in force instead of 50 %
    machine = truth_frame.assign(status=["program_found", "no_program_found", "expired_only", "no_program_found"])
    published = realscore.machine_summary(machine, 2026)
    dev = realscore.summary_deviation(published, truth_frame, 2026)
    assert dev["figures"]["in_force"] == {"published": 25.0, "truth": 50.0, "deviation_pp": -25.0, "count": 1,
                                          "truth_count": 2}
    assert dev["figures"]["status_no_program_found"]["deviation_pp"] == 25.0
    assert dev["max_abs_deviation_pp"] == 25.0
    same = realscore.summary_deviation(realscore.machine_summary(truth_frame, 2026), truth_frame, 2026)
    assert same["max_abs_deviation_pp"] == 0.0 and same["within_5pp"] == 1.0
