"""Tests for classify.reference: the names of strategies and collaborations, and the placeholder patterns."""

from __future__ import annotations

import re

from classify.reference import NOTHING, municipality_names, reference_names, reference_patterns


def test_reference_names_come_from_the_bundled_csvs() -> None:
    names = reference_names()
    assert "Sörmlandsstrategin" in names["rus"]
    assert "RUFS" in names["rus"]
    assert "Business Region Göteborg" in names["collab"]
    assert "BRG" in names["collab"]
    # Service collaborations (schools, waste) are not business links.
    assert not any("utbildningsförbund" in n for n in names["collab"])
    # A bare place name would match every text about the county.
    assert "Halland" not in names["rus"]


def test_reference_patterns_fill_every_placeholder_with_a_working_pattern() -> None:
    patterns = reference_patterns()
    assert set(patterns) == {"municipalities", "counties", "rus_names", "rus_acronyms", "collab_names",
                             "collab_acronyms"}
    assert all(p != NOTHING for p in patterns.values())
    assert len(municipality_names()) == 290
    assert re.search(patterns["municipalities"], "Vara kommun") and not re.search(patterns["municipalities"], "vara")
    assert re.search(patterns["counties"], "hallands län")
    # "RUS" alone is the generic word, not one strategy's acronym.
    assert re.search(patterns["rus_acronyms"], "RUFS 2050") and not re.search(patterns["rus_acronyms"], "RUS")
    assert re.search(patterns["collab_names"], "business region göteborg")
    assert re.search(patterns["collab_acronyms"], "inom BRG")
