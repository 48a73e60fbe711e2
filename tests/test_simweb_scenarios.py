"""simweb.scenarios and simweb.datafiles: the scenario table is whole, and choose() follows it."""

from __future__ import annotations

import random
from collections import Counter

from simweb.config import SCENARIOS as CONFIGURED
from simweb.config import SimConfig
from simweb.datafiles import table
from simweb.scenarios import COVERAGE, FORCED, SCENARIOS, choose

PLACEMENTS = {"hub", "category", "hub_and_category", "offsite", "orphan", "json_only"}


def test_every_scenario_has_a_known_placement_and_every_forced_case_a_known_scenario() -> None:
    assert set(SCENARIOS) == set(CONFIGURED) == set(SimConfig().scenario_probs)
    assert {s.placement for s in SCENARIOS.values()} <= PLACEMENTS
    for s in SCENARIOS.values():
        assert s.fallback is None or s.fallback in SCENARIOS
        assert s.in_force or s.lineages
    for f in FORCED.values():
        assert f.scenario is None or f.scenario in SCENARIOS
        assert not f.lineage or f.lineage in SCENARIOS[f.scenario or ""].lineages
    assert len(COVERAGE) == 12 and COVERAGE[0] == "pdf" and "down" in COVERAGE


def test_choose_follows_the_table() -> None:
    probs = SimConfig().scenario_probs
    seen: Counter[str] = Counter()
    for i in range(2000):
        c = choose(random.Random(i), probs, (0.05, 0.04), sitevision=False, forced=None)
        seen[c.scenario.name] += 1
        assert c.scenario.name != "P7"  # Sitevision only: falls back to P1
        assert (c.lineage != "") == (not c.scenario.in_force)
        assert (c.search_mode != "") == (c.scenario.placement == "orphan")
        assert c.kind == "html" if c.scenario.name == "P3" else c.kind in ("pdf", "scanned_pdf", "docx")
    assert set(seen) == set(SCENARIOS) - {"P7"}
    assert any(choose(random.Random(i), probs, (0, 0), True, None).scenario.name == "P7" for i in range(400))


def test_a_forced_case_overrides_the_draws_but_not_their_order() -> None:
    probs = SimConfig().scenario_probs
    for name, f in FORCED.items():
        rng, plain = random.Random(7), random.Random(7)
        c = choose(rng, probs, (0.05, 0.04), True, name)
        choose(plain, probs, (0.05, 0.04), True, None)
        assert rng.random() == plain.random()  # the same number of draws
        if f.scenario:
            assert c.scenario.name == f.scenario and c.lineage == f.lineage
            assert c.kind == (f.kind or "pdf")
    assert choose(random.Random(1), probs, (0, 0), True, "search_only").search_mode == "search_only"


def test_data_files_load_once_and_keep_their_order() -> None:
    assert table("page_titles") is table("page_titles")
    assert table("page_titles")["styrdokument_categories"][:2] == ["Program", "Strategier"]
