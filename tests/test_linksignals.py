"""crawler/linksignals.py: the link-scoring table is read from crawler/data/linksignals.toml and checked."""

from __future__ import annotations

import re

import pytest

from crawler.linksignals import PLACES, SIGNALS, TABLE, LinkSignals, load

ROW = """
[[signal]]
name = "hub"
place = "anchor"
{body}
weight = 10
tier = 2
"""
HEAD = """
[thresholds]
tier1_score = 80
offsite_min_score = 60
min_follow_score = -40
depth_penalty = 3
business_host_bonus = 30

[search]
terms = ["näringslivsprogram"]

[terms]
hub = ['naringsliv', 'foretag.{0,5}och']
"""


def table(body: str = "term = 'hub'", head: str = HEAD) -> LinkSignals:
    return LinkSignals.from_toml(head + ROW.format(body=body), source="t.toml")


def test_the_shipped_table_loads_with_every_place_and_tier_used() -> None:
    assert load() == TABLE
    assert {s.place for s in SIGNALS} == set(PLACES)
    assert {s.tier for s in SIGNALS} == {0, 1, 2, 3}
    assert all(s.weight < 0 for s in SIGNALS if s.tier == 0)  # penalties are what tier 0 means


def test_a_term_is_its_alternatives_joined_and_shared_by_name() -> None:
    got = table()
    assert got.signals[0].pattern == re.compile("naringsliv|foretag.{0,5}och")
    assert got.signals[0].weight == 10.0 and isinstance(got.signals[0].weight, float)
    assert got.thresholds.tier1_score == 80.0 and got.search_terms == ("näringslivsprogram",)
    shared = [s.pattern.pattern for s in SIGNALS if s.name in ("t1_anchor", "t1_url", "context_target")]
    assert len(set(shared)) == 1


def test_a_literal_string_keeps_regex_backslashes() -> None:
    assert table(r"pattern = '\bpdf\b'").signals[0].pattern.search("a pdf file")


@pytest.mark.parametrize(("body", "head", "message"), [
    ("term = 'nope'", HEAD, "term 'nope' is not one of [terms]: hub"),
    ("term = 'hub'\npattern = 'x'", HEAD, "give either pattern or term"),
    ("pattern = '(unclosed'", HEAD, "bad pattern"),
    ("term = 'hub'\nwieght = 3", HEAD, "unknown key wieght"),
    ("term = 'hub'", HEAD.replace("depth_penalty = 3\n", ""), "missing depth_penalty"),
    ("term = 'hub'", HEAD.replace("terms = [", "terms = [''] #"), "[search] terms"),
    ("term = 'hub'", HEAD.replace("tier1_score = 80", "tier1_score = 'high'"), "tier1_score: a number"),
])
def test_a_bad_table_is_refused_naming_the_row(body: str, head: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        table(body, head)
    assert "t.toml" in str(err.value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("place", "'footer'", "place 'footer' is not one of anchor, url, context, block, host"),
    ("tier", "4", "tier 4 is not one of 0, 1, 2, 3"),
    ("tier", "true", "tier True is not one of"),
    ("weight", "'x'", "weight: a number"),
])
def test_a_bad_field_is_refused_with_the_allowed_values(field: str, value: str, message: str) -> None:
    text = HEAD + re.sub(rf"(?m)^{field} = .*$", f"{field} = {value}", ROW.format(body="term = 'hub'"))
    with pytest.raises(ValueError, match=re.escape(message)):
        LinkSignals.from_toml(text, source="t.toml")
