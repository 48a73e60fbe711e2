"""base.inforce: the selection's timing of one document and the statistics' in-force rule are one table."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from base.inforce import IN_FORCE_VALUE, period_timing
from publish.stats import in_force_reasons

YEARS = [None, 2019, 2022, 2023, 2024, 2026]


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "extended", "expected"),
    [
        (None, None, False, "unknown"),
        (2020, 2023, False, "current"),
        (2024, 2027, False, "future"),
        (2018, 2021, False, "expired"),
        (2018, 2021, True, "current"),
        (None, 2025, False, "current"),
        (None, 2022, False, "expired"),
        (2019, None, False, "current"),
    ],
)
def test_period_timing_in_2023(valid_from, valid_to, extended, expected):
    assert period_timing(valid_from, valid_to, extended, 2023) == expected


def test_selection_and_statistics_agree_for_a_programme_seen_in_the_inventory_year():
    # Every combination of period and extension: what the selection calls in force for year Y is what
    # the statistics count as in force for a programme row observed in Y.
    year = 2023
    combos = [
        (f, t, e) for f, t, e in itertools.product(YEARS, YEARS, (False, True)) if f is None or t is None or f <= t
    ]
    frame = pd.DataFrame(
        {
            "status": "program_found",
            "valid_from": pd.array([f for f, _, _ in combos], dtype="Int64"),
            "valid_to": pd.array([t for _, t, _ in combos], dtype="Int64"),
            "extended": [e for _, _, e in combos],
            "year": year,
        }
    )
    reasons = in_force_reasons(frame, year)
    for (valid_from, valid_to, extended), reason in zip(combos, reasons, strict=True):
        counted = IN_FORCE_VALUE[reason]
        timing = period_timing(valid_from, valid_to, extended, year)
        assert (timing in {"current", "unknown"}) == bool(counted), (valid_from, valid_to, extended, reason, timing)
