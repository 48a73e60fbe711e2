"""The focused crawler's link-scoring table, read from ``crawler/data/linksignals.toml``.

The table is data: each signal's place, folded pattern, weight and tier, the score thresholds the spider
uses, and the site-search terms. The TOML file says what each field means; change weights there, never in
code. This module reads it once, at import, checks it (unknown places, tiers, keys or term names, bad
regexes, missing thresholds are errors that name the row) and gives it types: ``SIGNALS`` for
``crawler.linkscore``, the thresholds and search terms for ``crawler.site``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from typing import Any

DATA_FILE = "linksignals.toml"  # in crawler/data/
PLACES = ("anchor", "url", "context", "block", "host")
TIERS = (0, 1, 2, 3)  # 1 = the programme itself, 2 = hubs that lead to it, 3 = context boosts, 0 = penalties
_SIGNAL_KEYS = {"name", "place", "pattern", "term", "weight", "tier"}


@dataclass(frozen=True)
class Signal:
    name: str
    place: str
    pattern: re.Pattern[str]
    weight: float
    tier: int


@dataclass(frozen=True)
class Thresholds:
    tier1_score: float  # a link at or above this is a direct hit
    offsite_min_score: float  # what an off-site link's words must reach
    min_follow_score: float  # below this a link is never fetched
    depth_penalty: float  # off a link's score per click from the home page
    business_host_bonus: float  # on every link of a business-promotion host


@dataclass(frozen=True)
class LinkSignals:
    signals: tuple[Signal, ...]
    thresholds: Thresholds
    search_terms: tuple[str, ...]

    @classmethod
    def from_toml(cls, text: str, source: str = DATA_FILE) -> LinkSignals:
        """Parse and check a table; ``source`` names it in error messages."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{source}: {exc}") from None
        _only(data, {"thresholds", "search", "terms", "signal"}, source)
        terms = {name: _term(name, parts, source) for name, parts in data.get("terms", {}).items()}
        signals = tuple(_signal(row, terms, source) for row in data.get("signal", []))
        if not signals:
            raise ValueError(f"{source}: no [[signal]] rows")
        names = [s.name for s in signals]
        if len(set(names)) != len(names):
            raise ValueError(f"{source}: signal names repeat: {sorted({n for n in names if names.count(n) > 1})}")
        wanted = {f.name for f in fields(Thresholds)}
        given = data.get("thresholds", {})
        _only(given, wanted, f"{source} [thresholds]")
        if missing := sorted(wanted - set(given)):
            raise ValueError(f"{source} [thresholds]: missing {', '.join(missing)}")
        thresholds = Thresholds(**{k: _number(v, f"{source} [thresholds] {k}") for k, v in given.items()})
        search = data.get("search", {})
        _only(search, {"terms"}, f"{source} [search]")
        search_terms = search.get("terms", [])
        if not search_terms or not all(isinstance(t, str) and t for t in search_terms):
            raise ValueError(f"{source} [search] terms: a list of non-empty strings, got {search_terms!r}")
        return cls(signals, thresholds, tuple(search_terms))


def load() -> LinkSignals:
    """The table shipped in ``crawler/data/``."""
    text = resources.files("crawler").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    return LinkSignals.from_toml(text)


def _only(table: dict[str, Any], allowed: set[str], where: str) -> None:
    if unknown := sorted(set(table) - allowed):
        raise ValueError(f"{where}: unknown key {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: a number, got {value!r}")
    return float(value)


def _term(name: str, parts: Any, source: str) -> str:
    # A list of alternatives, one line each in the file, joined into one alternation.
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p for p in parts):
        raise ValueError(f"{source} [terms] {name}: a list of non-empty pattern strings, got {parts!r}")
    return "|".join(parts)


def _signal(row: dict[str, Any], terms: dict[str, str], source: str) -> Signal:
    name = row.get("name")
    where = f"{source} signal {name!r}"
    if not isinstance(name, str) or not name:
        raise ValueError(f"{source}: a [[signal]] without a name: {row!r}")
    _only(row, _SIGNAL_KEYS, where)
    if ("pattern" in row) == ("term" in row):
        raise ValueError(f"{where}: give either pattern or term")
    if "term" in row and row["term"] not in terms:
        raise ValueError(f"{where}: term {row['term']!r} is not one of [terms]: {', '.join(sorted(terms))}")
    pattern = terms[row["term"]] if "term" in row else row["pattern"]
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"{where}: pattern must be a non-empty string")
    if row.get("place") not in PLACES:
        raise ValueError(f"{where}: place {row.get('place')!r} is not one of {', '.join(PLACES)}")
    if row.get("tier") not in TIERS or isinstance(row.get("tier"), bool):
        raise ValueError(f"{where}: tier {row.get('tier')!r} is not one of {', '.join(map(str, TIERS))}")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{where}: bad pattern {pattern!r}: {exc}") from None
    return Signal(name, row["place"], compiled, _number(row.get("weight"), f"{where} weight"), row["tier"])


TABLE = load()
SIGNALS: tuple[Signal, ...] = TABLE.signals
# The names the spider's rules use (crawler.site, crawler.linkscore).
TIER1_SCORE = TABLE.thresholds.tier1_score
OFFSITE_MIN_SCORE = TABLE.thresholds.offsite_min_score
MIN_FOLLOW_SCORE = TABLE.thresholds.min_follow_score
DEPTH_PENALTY = TABLE.thresholds.depth_penalty
BUSINESS_HOST_BONUS = TABLE.thresholds.business_host_bonus
SEARCH_TERMS: tuple[str, ...] = TABLE.search_terms
