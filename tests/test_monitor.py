from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from base.errors import UsageError
from inventory import monitor
from inventory.monitor import MonitorSettings


def frame(*rows: tuple[str, str, bool | None, str | None]) -> pd.DataFrame:
    """(code, status, in_force, title) rows, shaped like the stats stage's inventory."""
    return pd.DataFrame({
        "code": [r[0] for r in rows], "name": [f"Kommun {r[0]}" for r in rows], "county": "Län",
        "status": [r[1] for r in rows], "in_force": pd.array([r[2] for r in rows], dtype="boolean"),
        "program_title": [r[3] for r in rows],
        "program_url": [f"https://k{r[0]}.se/p.pdf" if r[3] else None for r in rows],
        "sha256": [f"sha{r[0]}" if r[3] else None for r in rows],
        "valid_from": pd.array([2024 if r[3] else None for r in rows], dtype="Int64"),
        "valid_to": pd.array([2027 if r[3] else None for r in rows], dtype="Int64"),
        "reason": None,
    })


BEFORE = frame(("0114", "program_found", True, "Näringslivsprogram"),
               ("0115", "program_found", True, "Tillväxtprogram"),
               ("0117", "no_program_found", None, None),
               ("0120", "program_found", True, "Näringslivsstrategi"))


def test_no_previous_run_raises_nothing_about_changes() -> None:
    assert monitor.flags(BEFORE, None) == []


def test_programme_lost_uses_the_change_reports_rule() -> None:
    now = frame(("0114", "no_program_found", None, None), ("0115", "program_found", True, "Tillväxtprogram"),
                ("0117", "no_program_found", None, None), ("0120", "program_found", True, "Näringslivsstrategi"))
    lost = monitor.programmes_lost(now, BEFORE)
    assert [(f.kind, f.code) for f in lost] == [("programme_lost", "0114")]
    assert "Näringslivsprogram" in lost[0].message and "no_program_found" in lost[0].message


def test_a_site_that_became_unreachable_is_flagged_once() -> None:
    before = frame(("0114", "program_found", True, "P"), ("0115", "site_unreachable", None, None))
    now = frame(("0114", "site_unreachable", None, None), ("0115", "site_unreachable", None, None),
                ("0999", "blocked_by_server", None, None))  # new in the list: nothing to compare with
    flags = monitor.became_unreachable(now, before)
    assert [(f.code, f.detail["previous_status"]) for f in flags] == [("0114", "program_found")]
    assert "could not be reached" in flags[0].message


def test_share_drop_threshold_is_in_points_on_common_municipalities() -> None:
    now = frame(("0114", "no_program_found", None, None), ("0115", "program_found", True, "T"),
                ("0117", "no_program_found", None, None), ("0120", "program_found", True, "S"),
                ("0999", "no_program_found", None, None))  # only in this run: not part of the comparison
    [flag] = monitor.share_found_dropped(now, BEFORE, MonitorSettings(share_drop_points=20))
    assert flag.detail == {"previous": 3, "current": 2, "municipalities": 4, "drop_points": 25.0}
    assert monitor.share_found_dropped(now, BEFORE, MonitorSettings(share_drop_points=25)) == []  # not above


@pytest.mark.parametrize(("failed", "total", "flagged"), [(3, 10, True), (2, 4, False), (3, 30, False),
                                                          (4, 30, True), (0, 0, False)])
def test_extraction_failures_need_a_share_and_a_minimum_count(failed: int, total: int, flagged: bool) -> None:
    flags = monitor.extraction_failures(failed, total, {"pdf_encrypted": failed})
    assert bool(flags) is flagged
    if flagged:
        assert f"{failed} of {total}" in flags[0].message and "pdf_encrypted" in flags[0].message


def test_inconsistent_extraction_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="inconsistent"):
        monitor.extraction_failures(5, 3)


def test_not_crawled_names_the_missing_municipalities() -> None:
    flags = monitor.flags(BEFORE, None, expected_codes=["0114", "0115", "0117", "0120", "0121"])
    assert [(f.kind, f.code) for f in flags] == [("not_crawled", "0121")]


def test_flags_are_ordered_by_kind_and_summarised() -> None:
    now = frame(("0114", "site_unreachable", None, None), ("0115", "site_unreachable", None, None),
                ("0117", "no_program_found", None, None), ("0120", "program_found", True, "Näringslivsstrategi"))
    flags = monitor.flags(now, BEFORE, extraction_failed=5, extraction_total=5, failure_codes={"docx_corrupt": 5})
    kinds = [f.kind for f in flags]
    assert kinds == ["programme_lost", "programme_lost", "became_unreachable", "became_unreachable",
                     "share_found_dropped", "extraction_failures"]
    assert monitor.summary_fragment(flags) == ("; 6 flags need a human (2 programme_lost, 2 became_unreachable, "
                                               "1 share_found_dropped, 1 extraction_failures)")
    assert monitor.summary_fragment([]) == "; no flags"
    assert flags[0].to_json()["kind"] == "programme_lost"


def test_inputs_are_not_mutated() -> None:
    now = BEFORE.assign(status="site_unreachable", in_force=pd.array([None] * 4, dtype="boolean"))
    copy_now, copy_before = now.copy(), BEFORE.copy()
    monitor.flags(now, BEFORE)
    pd.testing.assert_frame_equal(now, copy_now)
    pd.testing.assert_frame_equal(BEFORE, copy_before)


@pytest.mark.parametrize("kwargs", [{"share_drop_points": 0}, {"extraction_failure_share": 1.0},
                                    {"min_extraction_failures": 0}])
def test_bad_settings_name_the_value(kwargs: dict[str, float]) -> None:
    with pytest.raises(UsageError, match=next(iter(kwargs))):
        MonitorSettings(**kwargs)


def test_flags_for_run_reads_two_runs_from_the_store(tmp_path: Path) -> None:
    from base.store import Store

    store = Store.open(str(tmp_path / "k.sqlite"))
    rows = {"0114": ("program_found", "Näringslivsprogram", 2024, 2027), "0115": ("no_program_found", None, None, None)}
    first = store.start_run(2026, "a", {})
    store.save_results(first, 2026, [
        {"code": c, "name": c, "county": "Län", "status": s, "program_title": t, "valid_from": f, "valid_to": u,
         "sha256": "x" if t else None, "program_url": "u" if t else None, "in_force": bool(t), "decisions": []}
        for c, (s, t, f, u) in rows.items()])
    store.finish_run(first)
    second = store.start_run(2026, "b", {})
    store.save_results(second, 2026, [
        {"code": "0114", "name": "0114", "county": "Län", "status": "site_unreachable", "decisions": []},
        {"code": "0115", "name": "0115", "county": "Län", "status": "no_program_found", "decisions": []}])
    store.finish_municipality(second, "0114", status="site_unreachable", reason="refused", requests=1,
                              requests_to_first_hit=None, found_via=None, bytes_downloaded=0, robots_blocked=[],
                              detail={})
    flags = monitor.flags_for_run(store, second, expected_codes=["0114", "0115"])
    assert [(f.kind, f.code) for f in flags] == [("programme_lost", "0114"), ("became_unreachable", "0114"),
                                                 ("share_found_dropped", None), ("not_crawled", "0115")]
    with pytest.raises(UsageError, match="no run 99"):
        monitor.flags_for_run(store, 99)
    store.close()


def test_a_crawl_that_started_but_never_finished_is_not_crawled(tmp_path: Path) -> None:
    """Issue 16 item 1: a municipality left in progress (a seed that failed, a dead crawl) has no outcome."""
    from base.store import Store

    store = Store.open(str(tmp_path / "k.sqlite"))
    run = store.start_run(2026, "a", {})
    store.start_municipality(run, "0114")
    store.save_results(run, 2026, [{"code": "0114", "name": "Upplands Väsby", "county": "Län", "status": "error",
                                    "decisions": []}])
    flags = monitor.flags_for_run(store, run, expected_codes=["0114"])
    assert [(f.kind, f.code) for f in flags] == [("not_crawled", "0114")]
    store.close()
