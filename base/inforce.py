"""When a programme is in force in a year: one rule table for the selection and for the statistics.

The selection (``classify.select``, and the crawler's judge through it) asks of one candidate whether its
stated period covers the inventory year; the statistics (``publish.stats``) ask of every row of an
inventory, for any year Y, using the year of the run that saw the row. Both read the table below, so a
change of rule is made once. The rules are documented for analysts in ``docs/outputs.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InForceRule:
    name: str
    value: bool | None  # None = unknown (NA)
    applies: Callable[[Mapping[str, np.ndarray], int], np.ndarray]
    why: str


# Evaluated top to bottom; the first rule that applies decides. ``start`` is valid_from, else the year
# of adopted_date; ``end`` is valid_to; ``seen`` is the year of the run that observed the row.
IN_FORCE_RULES: tuple[InForceRule, ...] = (
    InForceRule("not_reached", None, lambda f, y: ~f["reached"], "site not reached: unknown"),
    InForceRule(
        "no_programme", False, lambda f, y: ~f["programme"], "no programme document (none found, or only a draft)"
    ),
    InForceRule(
        "expired_when_seen",
        False,
        lambda f, y: f["expired_only"] & (f["seen"] <= y),
        "the run of that year (or an earlier one) found only an expired programme",
    ),
    InForceRule("not_yet_started", False, lambda f, y: f["start"] > y, "period starts after Y"),
    InForceRule(
        "extended_seen",
        True,
        lambda f, y: (f["end"] < y) & f["extended"] & (y <= f["seen"]),
        "period ended before Y but extended ('tills vidare'), and the extension was seen in Y or later",
    ),
    InForceRule(
        "extended_unseen",
        None,
        lambda f, y: (f["end"] < y) & f["extended"],
        "extended, but Y is after the run that saw the extension",
    ),
    InForceRule("ended", False, lambda f, y: f["end"] < y, "period ended before Y, no extension"),
    InForceRule(
        "within_period", True, lambda f, y: (f["start"] <= y) & (y <= f["end"]), "Y lies within the stated period"
    ),
    InForceRule(
        "horizon_seen",
        True,
        lambda f, y: (f["seen"] <= y) & (y <= f["end"]),
        "only an end (horizon) year is known and Y lies between the run that saw it and the end",
    ),
    InForceRule(
        "horizon_before_seen",
        None,
        lambda f, y: ~np.isnan(f["end"]),
        "only an end year is known and Y is before the run: may not have been adopted yet",
    ),
    InForceRule("open_ended_seen", True, lambda f, y: f["seen"] == y, "no end year; a run of year Y found it in force"),
    InForceRule(
        "open_ended_since",
        True,
        lambda f, y: (f["start"] <= y) & (y < f["seen"]),
        "no end year; started by Y and still found by a later run",
    ),
    InForceRule(
        "open_ended_unknown",
        None,
        lambda f, y: np.ones(len(f["seen"]), dtype=bool),
        "no end year and no observation covering Y",
    ),
)


def in_force_rule_names(facts: Mapping[str, np.ndarray], year: int) -> np.ndarray:
    """The name of the rule that decides each row. ``facts`` holds the arrays the rules read: ``reached``,
    ``programme``, ``expired_only`` (bool), ``start``, ``end``, ``seen`` (years, NaN when unknown) and
    ``extended`` (bool)."""
    with np.errstate(invalid="ignore"):
        conditions = [rule.applies(facts, year) for rule in IN_FORCE_RULES]
    return np.select(conditions, [rule.name for rule in IN_FORCE_RULES], default="open_ended_unknown")


IN_FORCE_VALUE: Mapping[str, bool | None] = {rule.name: rule.value for rule in IN_FORCE_RULES}


def period_timing(valid_from: int | None, valid_to: int | None, extended: bool, year: int) -> str:
    """One document's stated period against the inventory year, by the same table, seen in that year:
    ``current``, ``expired``, ``future``, or ``unknown`` when no period is stated (the selection then
    assumes the document in force, as the table does for a programme seen in Y)."""
    if valid_from is None and valid_to is None:
        return "unknown"

    def year_array(value: int | None) -> np.ndarray:
        return np.array([np.nan if value is None else float(value)])

    facts = {
        "reached": np.array([True]),
        "programme": np.array([True]),
        "expired_only": np.array([False]),
        "start": year_array(valid_from),
        "end": year_array(valid_to),
        "extended": np.array([bool(extended)]),
        "seen": np.array([float(year)]),
    }
    name = str(in_force_rule_names(facts, year)[0])
    if name == "not_yet_started":
        return "future"
    if IN_FORCE_VALUE[name] is False:
        return "expired"
    return "current"
