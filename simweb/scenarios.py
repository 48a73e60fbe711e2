"""The placement scenarios (data/scenarios.toml) and the one function that picks a site's."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .datafiles import table


@dataclass(frozen=True)
class Scenario:
    name: str
    placement: str  # hub | category | hub_and_category | offsite | orphan | json_only
    in_force: bool = True
    lineages: tuple[str, ...] = ()
    kind: str | None = None
    robots_blockable: bool = False
    search_modes: tuple[str, ...] = ()
    sitevision_only: bool = False
    fallback: str | None = None


@dataclass(frozen=True)
class Forced:
    """One case of the first sites: what it replaces of the site's own draws."""

    name: str
    scenario: str | None = None
    lineage: str = ""
    kind: str | None = None
    search_mode: str | None = None
    down: bool = False
    robots_blocked: bool = False
    platform: str | None = None


@dataclass(frozen=True)
class Choice:
    scenario: Scenario
    lineage: str  # for a scenario with nothing in force: expired_only | draft_only | none; else ""
    kind: str  # pdf | scanned_pdf | docx | html
    search_mode: str  # for an orphan: search_only | sitemap_only; else ""


def _tuples(row: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}


_DATA = table("scenarios")
SCENARIOS: dict[str, Scenario] = {n: Scenario(n, **_tuples(r)) for n, r in _DATA["scenarios"].items()}
FORCED: dict[str, Forced] = {n: Forced(n, **r) for n, r in _DATA["forced"].items()}
# the forced cases in the order the first sites of a web get them
COVERAGE: tuple[str, ...] = tuple(FORCED)


def weighted(rng: random.Random, mix: dict[str, float]) -> str:
    keys = sorted(mix)
    return rng.choices(keys, weights=[mix[k] for k in keys])[0]


def choose(
    rng: random.Random, probs: dict[str, float], shares: tuple[float, float], sitevision: bool, forced: str | None
) -> Choice:
    """A site's scenario, lineage, programme format and search mode; ``shares`` = (scanned, docx).

    The draws are made in the same order whatever is forced, so a forced case changes no other choice.
    """
    s = SCENARIOS[weighted(rng, probs)]
    if s.sitevision_only and not sitevision and s.fallback:
        s = SCENARIOS[s.fallback]
    lineage = rng.choice(s.lineages) if s.lineages else ""
    r = rng.random()
    kind = "scanned_pdf" if r < shares[0] else "docx" if r < shares[0] + shares[1] else "pdf"
    search_mode = rng.choice(s.search_modes) if s.search_modes else ""
    f = FORCED.get(forced or "")
    if f is not None and f.scenario is not None:
        s, lineage, kind = SCENARIOS[f.scenario], f.lineage, f.kind or "pdf"
        search_mode = f.search_mode or search_mode
    return Choice(s, lineage, s.kind or kind, search_mode)
