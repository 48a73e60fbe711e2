from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from base import inforce, vocabulary
from publish import stats

BOOLEAN = ("extended", "in_force", "rus_link", "intermunicipal_link", *vocabulary.COUNTED_TAGS, "needs_review")


def inventory(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A tiny inventory frame with the pipeline's dtypes; unspecified cells are unknown."""
    defaults: dict[str, Any] = {
        "code": None, "name": None, "county_code": "01", "county": "Stockholms län", "status": "program_found",
        "program_title": None, "program_url": None, "program_type": None, "valid_from": None, "valid_to": None,
        "regional_category": None, "adopted_date": None, "year": 2025, **{c: None for c in BOOLEAN},
    }  # fmt: skip
    frame = pd.DataFrame(
        [{**defaults, "code": f"{i:04d}", "name": f"K{i}", **r} for i, r in enumerate(rows)], columns=list(defaults)
    )
    return frame.astype({c: "boolean" for c in BOOLEAN} | {"valid_from": "Int64", "valid_to": "Int64", "year": "Int64"})


def wilson_closed_form(k: int, n: int, z: float) -> tuple[float, float]:
    # The other textbook form, (2np + z^2 -+ z*sqrt(z^2 + 4np(1-p))) / (2(n + z^2)), so the test does not
    # repeat the implementation's algebra (statsmodels' proportion_confint(method="wilson") is the first form).
    p = k / n
    root = z * math.sqrt(z * z + 4 * n * p * (1 - p))
    return ((2 * n * p + z * z - root) / (2 * (n + z * z)), (2 * n * p + z * z + root) / (2 * (n + z * z)))


# -- Wilson interval -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (score interval).
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_matches_newcombe_textbook_values(k: int, n: int, low: float, high: float) -> None:
    got = stats.wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(("k", "n"), [(116, 290), (1, 2), (7, 7), (3, 1000), (289, 290)])
def test_wilson_matches_closed_form(k: int, n: int) -> None:
    expected = wilson_closed_form(k, n, stats.Z95)
    assert stats.wilson_interval(k, n) == pytest.approx(expected, abs=1e-12)


def test_wilson_for_the_2017_inventory() -> None:
    low, high = stats.wilson_interval(116, 290)
    assert (round(100 * low, 1), round(100 * high, 1)) == (34.5, 45.7)


def test_wilson_edges_are_exact_and_zero_n_is_nan() -> None:
    assert stats.wilson_interval(0, 5)[0] == 0.0
    assert stats.wilson_interval(5, 5)[1] == 1.0
    low, high = stats.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize(("k", "n"), [(3, 2), (-1, 4), (0, -1)])
def test_wilson_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError, match=f"successes={k}, n={n}"):
        stats.wilson_interval(k, n)


# -- in force in year Y ----------------------------------------------------------------------
CASES = [
    # status, valid_from, valid_to, extended, adopted_date, seen, year -> in_force, rule
    ("site_unreachable", 2019, 2030, None, None, 2025, 2025, None, "not_reached"),
    ("no_program_found", None, None, None, None, 2025, 2025, False, "no_programme"),
    ("draft_only", 2026, 2030, None, None, 2025, 2026, False, "no_programme"),
    ("expired_only", 2015, 2018, False, None, 2025, 2025, False, "expired_when_seen"),
    ("expired_only", 2015, 2018, False, None, 2025, 2017, True, "within_period"),
    ("program_found", 2027, 2030, None, None, 2025, 2025, False, "not_yet_started"),
    ("program_found", 2016, 2020, True, None, 2025, 2023, True, "extended_seen"),
    ("program_found", 2016, 2020, True, None, 2025, 2026, None, "extended_unseen"),
    ("program_found", 2016, 2020, False, None, 2025, 2021, False, "ended"),
    ("program_found", 2016, 2020, None, None, 2025, 2021, False, "ended"),
    ("program_found", 2019, 2030, None, None, 2025, 2020, True, "within_period"),
    ("program_found", 2019, 2030, None, None, 2025, 2028, True, "within_period"),
    ("program_found", None, 2035, None, None, 2025, 2030, True, "horizon_seen"),
    ("program_found", None, 2035, None, None, 2025, 2020, None, "horizon_before_seen"),
    ("program_found", None, 2035, None, "2019-05-13", 2025, 2020, True, "within_period"),
    ("program_found", None, None, None, None, 2025, 2025, True, "open_ended_seen"),
    ("program_found", 2018, None, None, None, 2025, 2020, True, "open_ended_since"),
    ("program_found", None, None, None, "2021-03-01", 2025, 2020, False, "not_yet_started"),
    ("program_found", None, None, None, None, 2025, 2020, None, "open_ended_unknown"),
    ("program_found", 2018, None, None, None, 2025, 2026, None, "open_ended_unknown"),
    ("program_found", None, None, None, None, None, 2025, None, "open_ended_unknown"),
]


@pytest.mark.parametrize(("status", "start", "end", "extended", "adopted", "seen", "year", "expected", "rule"), CASES)
def test_in_force_rules(
    status: str, start: Any, end: Any, extended: Any, adopted: Any, seen: Any, year: int, expected: Any, rule: str
) -> None:
    frame = inventory(
        [{"status": status, "valid_from": start, "valid_to": end, "extended": extended, "adopted_date": adopted,
          "year": seen}]
    )  # fmt: skip
    assert stats.in_force_reasons(frame, year).tolist() == [rule]
    value = stats.apply_year(frame, year)["in_force"].iloc[0]
    assert (None if value is pd.NA else bool(value)) == expected


def test_every_in_force_rule_is_exercised() -> None:
    assert {case[-1] for case in CASES} == {rule.name for rule in inforce.IN_FORCE_RULES}


def test_apply_year_returns_a_new_frame_and_keeps_reviewed_values() -> None:
    frame = inventory([{"valid_from": 2010, "valid_to": 2014}, {"valid_from": 2010, "valid_to": 2014}]).assign(
        in_force=pd.array([True, True], dtype="boolean"), overridden_fields=["in_force", pd.NA]
    )
    before = frame.copy()
    result = stats.apply_year(frame, 2025)
    pd.testing.assert_frame_equal(frame, before)
    assert result["in_force"].tolist() == [True, False]
    assert result["inventory_year"].tolist() == [2025, 2025]


def test_apply_year_rejects_a_non_year() -> None:
    with pytest.raises(ValueError, match="'2025'"):
        stats.apply_year(inventory([{}]), "2025")  # type: ignore[arg-type]


# -- summary ---------------------------------------------------------------------------------
def ten_municipalities() -> pd.DataFrame:
    """10 in scope, 2 unreachable/blocked, 8 reached; 4 with a programme in force."""
    in_force = {"status": "program_found", "valid_from": 2023, "valid_to": 2026}
    return stats.apply_year(
        inventory(
            [
                {
                    **in_force,
                    "program_type": "naringsliv",
                    "rus_link": True,
                    "intermunicipal_link": True,
                    "action_plan": True,
                    "sustainability": True,
                    "county_code": "03",
                    "county": "Uppsala län",
                },
                {
                    **in_force,
                    "program_type": "naringsliv",
                    "rus_link": False,
                    "intermunicipal_link": True,
                    "action_plan": True,
                    "annual_activities": False,
                },
                {
                    **in_force,
                    "program_type": "tillvaxt",
                    "regional_category": "none",
                    "action_plan": False,
                    "business_collaboration": True,
                },
                {**in_force, "program_type": None},
                {"status": "expired_only", "valid_from": 2015, "valid_to": 2018, "program_type": "annat"},
                {"status": "draft_only"},
                {"status": "no_program_found", "needs_review": True},
                {"status": "no_program_found"},
                {"status": "site_unreachable"},
                {"status": "blocked_by_robots", "county_code": "03", "county": "Uppsala län"},
            ]
        ),  # fmt: skip
        2025,
    )


def figure(summary: pd.DataFrame, metric: str) -> tuple[Any, ...]:
    row = summary.set_index("metric").loc[metric]
    return tuple(None if pd.isna(row[c]) else row[c] for c in ("count", "denominator", "percent", "ci_low", "ci_high"))


def test_summary_counts_and_denominators() -> None:
    summary = stats.summarise(ten_municipalities())
    assert list(summary.columns[:6]) == ["metric", "count", "denominator", "percent", "ci_low", "ci_high"]
    expected = {
        "municipalities": (10, None, None),
        "reached": (8, 10, 80.0),
        "status_program_found": (4, 10, 40.0),
        "status_blocked_by_robots": (1, 10, 10.0),
        "in_force": (4, 10, 40.0),
        "in_force_of_reached": (4, 8, 50.0),
        "in_force_unknown": (0, 8, 0.0),
        "type_naringsliv": (2, 4, 50.0),
        "type_tillvaxt": (1, 4, 25.0),
        "type_annat": (0, 4, 0.0),
        "type_unknown": (1, 4, 25.0),
        "regional_rus": (1, 4, 25.0),
        "regional_intermunicipal": (1, 4, 25.0),
        "regional_none": (1, 4, 25.0),
        "regional_unknown": (1, 4, 25.0),
        "action_plan": (2, 4, 50.0),
        "sustainability": (1, 4, 25.0),
        "business_collaboration": (1, 4, 25.0),
        "annual_activities": (0, 4, 0.0),
        "needs_review": (1, 10, 10.0),
    }
    for metric, (count, denominator, percent) in expected.items():
        assert figure(summary, metric)[:3] == (count, denominator, percent), metric


def test_summary_intervals_are_wilson_in_percent_with_one_decimal() -> None:
    summary = stats.summarise(ten_municipalities())
    low, high = stats.wilson_interval(4, 8)
    assert figure(summary, "in_force_of_reached")[3:] == (round(100 * low, 1), round(100 * high, 1))
    assert figure(summary, "type_tillvaxt")[2] == 25.0
    thirds = stats.summarise(stats.apply_year(inventory([{"status": "site_unreachable"}, {}, {}]), 2025))
    assert figure(thirds, "reached")[2] == 66.7


def test_zero_denominators_leave_percent_and_interval_empty() -> None:
    nobody = stats.apply_year(inventory([{"status": "site_unreachable"}, {"status": "error"}]), 2025)
    summary = stats.summarise(nobody)
    assert figure(summary, "reached")[:4] == (0, 2, 0.0, 0.0)
    assert figure(summary, "in_force_of_reached") == (0, 0, None, None, None)
    assert figure(summary, "type_naringsliv") == (0, 0, None, None, None)
    empty = stats.summarise(inventory([]).iloc[0:0])
    assert figure(empty, "municipalities")[0] == 0 and figure(empty, "in_force")[1] == 0


def test_summary_by_county_adds_up_to_the_national_figures() -> None:
    frame = ten_municipalities()
    national = stats.summarise(frame).set_index("metric")
    by_county = stats.summarise_by_county(frame)
    assert sorted(by_county["county"].unique()) == ["Stockholms län", "Uppsala län"]
    totals = by_county.groupby("metric")[["count", "denominator"]].sum()
    for metric in ("reached", "in_force", "type_naringsliv", "action_plan"):
        assert totals.loc[metric, "count"] == national.loc[metric, "count"]
        assert totals.loc[metric, "denominator"] == national.loc[metric, "denominator"]
    uppsala = by_county[by_county["county"] == "Uppsala län"].set_index("metric")
    assert (uppsala.loc["in_force", "count"], uppsala.loc["in_force", "denominator"]) == (1, 2)


def test_regional_category_from_links() -> None:
    rus = pd.array([True, True, False, False, pd.NA, False, pd.NA], dtype="boolean")
    inter = pd.array([True, False, True, False, True, pd.NA, pd.NA], dtype="boolean")
    got = stats.regional_category_from_links(pd.Series(rus), pd.Series(inter))
    assert [None if v is pd.NA else v for v in got] == ["rus", "rus", "intermunicipal", "none", "intermunicipal",
                                                         None, None]  # fmt: skip


def test_headline_sentences_read_like_the_2017_summary() -> None:
    rows = [{"program_type": "naringsliv", "valid_from": 2015, "valid_to": 2018}] * 116
    rows += [{"status": "no_program_found"}] * 174
    summary = stats.summarise(stats.apply_year(inventory(rows), 2017))
    sentences = stats.headline_sentences(summary, 2017)
    assert any(s.startswith("116 av 290 kommuner (40 %) hade ett gällande") for s in sentences)
    assert "95 % konfidensintervall 34,5–45,7 %" in sentences[1]
    assert "116 (100 %) näringslivsprogram" in sentences[2]


def test_headline_sentences_without_any_programme() -> None:
    summary = stats.summarise(stats.apply_year(inventory([{"status": "no_program_found"}]), 2025))
    sentences = stats.headline_sentences(summary, 2025)
    assert len(sentences) == 2 and sentences[1].startswith("0 av 1 kommuner (0 %)")
    with pytest.raises(ValueError, match="in_force"):
        stats.headline_sentences(summary[summary["metric"] != "in_force"], 2025)


def test_docs_describe_every_status_rule_and_metric() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "outputs.md").read_text(encoding="utf-8")
    named = [*vocabulary.STATUS_NAMES, *(r.name for r in inforce.IN_FORCE_RULES)]
    named += [m.metric for m in stats.METRICS if not m.metric.startswith("status_")]
    missing = [name for name in named if f"`{name}`" not in docs]
    assert not missing, f"docs/outputs.md does not mention: {missing}"
