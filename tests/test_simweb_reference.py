"""simweb.reference: county strategy names parsed from counties.csv as programmes cite them."""

from __future__ import annotations

import csv
import random
import re

import pytest

from simweb.programmes import choose_term, make_programme
from simweb.reference import DATA_DIR, clean_rus_name, counties, municipalities, split_outside_parentheses


def _raw() -> dict[str, str]:
    with (DATA_DIR / "counties.csv").open(encoding="utf-8", newline="") as fh:
        return {r["county_code"]: r["rus_names"] for r in csv.DictReader(fh)}


def test_split_ignores_separators_inside_parentheses() -> None:
    assert split_outside_parentheses("A (2021; revised 2025); B; C (x; y (z; w))") == [
        "A (2021; revised 2025)",
        " B",
        " C (x; y (z; w))",
    ]
    assert split_outside_parentheses("") == [""]


@pytest.mark.parametrize(
    "raw, cited",
    [
        ("RUS Uppsala län (2021; revised 2025)", "RUS Uppsala län"),
        ("Vision Gotland 2025 (regionalt utvecklingsprogram, 2008; predecessor)", "Vision Gotland 2025"),
        ("Sörmlands regionala utvecklingsstrategi (RUS)", "Sörmlands regionala utvecklingsstrategi (RUS)"),
        ("Regional utvecklingsstrategi 2017–2020 (Uppsala län)", "Regional utvecklingsstrategi 2017–2020"),
        ("The open Skåne 2030 – Skåne's regional development strategy", None),
        ("RUS", None),
    ],
)  # fmt: skip
def test_editorial_notes_are_dropped_and_abbreviations_kept(raw: str, cited: str | None) -> None:
    assert clean_rus_name(raw) == cited


def test_every_county_name_is_a_whole_name_from_the_table() -> None:
    raw = _raw()
    for code, county in counties().items():
        assert county.rus_names, code
        for name in county.rus_names:
            assert name in raw[code] and name.count("(") == name.count(")"), name
            # a fragment of a note split at its ";" would start or end inside the note
            assert not re.match(r"\s*(?:revised|predecessor|aktualiserad|\d{4}\))", name), name
            assert not name.endswith(")") or re.search(r"\((?:RUS|RUP|RUFS) ?\d{0,4}\)$", name), name
            assert ";" not in name and not name.endswith(("revised 2025)", "predecessor)")), name
    assert counties()["03"].rus_names[-1] == "RUS Uppsala län"
    assert counties()["07"].rus_names == ("Gröna Kronoberg 2025",)
    assert "Vision Gotland 2025" in counties()["09"].rus_names


def test_programme_texts_cite_no_fragments_of_editorial_notes() -> None:
    rng = random.Random(11)
    by_county: dict[str, list] = {}
    for m in municipalities():
        by_county.setdefault(m.county_code, []).append(m)
    seen: set[str] = set()
    for ms in by_county.values():
        for m in rng.sample(ms, min(4, len(ms))):
            p = make_programme(
                rng, m, status="current", kind="pdf", start=2024, end=2027, term=choose_term(rng, False, False),
                header_table=False, hyphenate=False, quirk=False, inventory_year=2026,
            )  # fmt: skip
            text = p.text.plain_text()
            assert not re.search(r"revised|predecessor|in preparation|also cited|aktualiserad \d{4}\)", text), text
            if p.rus_name:
                seen.add(p.rus_name)
                assert p.rus_name in counties()[m.county_code].rus_names
    assert len(seen) >= 15


def test_municipalities_are_inventorys_records_of_the_bundled_list() -> None:
    from base.municipalities import Municipality, bundled_path, read_municipalities

    ms = municipalities()
    assert len(ms) == 290 and all(isinstance(m, Municipality) for m in ms)
    assert list(ms) == read_municipalities(bundled_path())
    # ``website`` is the real one (the simulated address lives in simweb.generate's manifest), never loopback.
    assert all(m.website.startswith(("http://", "https://")) and "127.0.0.1" not in m.website for m in ms)
    assert {m.code: m for m in ms}["0114"].name == "Upplands Väsby"
