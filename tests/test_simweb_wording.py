"""simweb.wording / simweb.programmes: varied Swedish wording, and traits that the text really carries."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from simweb.programmes import Programme, choose_term, make_programme
from simweb.reference import counties, municipalities
from simweb.wording import TRAIT_RUS_TRUE, Term, expand


def _programmes(n: int, seed: int = 1) -> list[Programme]:
    rng = random.Random(seed)
    out = []
    for m in rng.sample(list(municipalities()), n):
        term = choose_term(rng, rng.random() < 0.2, rng.random() < 0.1)
        out.append(
            make_programme(
                rng, m, status="current", kind="pdf", start=2024, end=2027, term=term, header_table=True,
                hyphenate=False, quirk=False, inventory_year=2026,
            )
        )  # fmt: skip
    return out


def test_expand_fills_slots_and_chooses_alternatives() -> None:
    rng = random.Random(0)
    seen = {expand(rng, "{Programmet|Strategin} gäller [kommun].", {"kommun": "Åre"}) for _ in range(50)}
    assert seen == {"Programmet gäller Åre.", "Strategin gäller Åre."}


def test_wording_varies_widely_across_documents() -> None:
    progs = _programmes(80)
    texts = [p.text.plain_text() for p in progs]
    assert len(set(texts)) == len(texts)
    sentences = Counter(s for t in texts for s in set(re.split(r"(?<=\.)\s+|\n", t)) if len(s) > 40)
    most_common_share = sentences.most_common(1)[0][1] / len(texts)
    assert most_common_share < 0.35, sentences.most_common(3)
    rus = [p for p in progs if p.traits.rus_link]
    rus_sentences = {s for p in rus for s in p.text.plain_text().split("\n") if p.rus_name and p.rus_name in s}
    assert len(rus_sentences) >= min(30, 2 * len(rus)) and len(TRAIT_RUS_TRUE) >= 6
    headings = Counter(h for p in progs for h, _ in p.text.sections)
    assert len(headings) >= 20


def test_traits_are_carried_by_the_text() -> None:
    for p in _programmes(120, seed=2):
        text = p.text.plain_text()
        heads = [h for h, _ in p.text.sections]
        county = next(c for c in counties().values() if p.rus_name in c.rus_names) if p.rus_name else None
        if p.traits.rus_link:
            assert p.rus_name and p.rus_name in text and county is not None
        else:
            assert "utvecklingsstrategi" not in text.lower(), text
        if p.traits.intermunicipal_link:
            assert p.collaboration and p.collaboration.split(" och ")[0] in text
        if p.traits.action_plan:
            assert any(h.startswith(("Handlingsplan", "Aktiviteter")) for h in heads)
            assert "Ansvar" in text
        else:
            assert not any(h.startswith(("Handlingsplan", "Aktiviteter")) for h in heads)
        assert p.traits.sustainability == any(h in ("Hållbar tillväxt", "Hållbarhet") for h in heads)
        assert p.traits.program_type == p.term.program_type


@pytest.mark.parametrize(
    "term, expected",
    [
        (Term("Näringslivsprogram", "Program", "naringsliv"), ["NÄRINGSLIVS-", "PROGRAM"]),
        (Term("Tillväxtstrategi", "Strategi", "tillvaxt"), ["TILLVÄXT-", "STRATEGI"]),
    ],
)
def test_hyphenated_titles_break_across_lines(term: Term, expected: list[str]) -> None:
    m = municipalities()[0]
    p = make_programme(
        random.Random(3), m, status="current", kind="pdf", start=2024, end=2027, term=term, header_table=False,
        hyphenate=True, quirk=False, inventory_year=2026,
    )  # fmt: skip
    assert p.text.title_lines[:2] == expected
    assert p.title.startswith(term.word) and "-" not in p.title.split()[0]


def test_drafts_and_extended_programmes_say_so() -> None:
    m = municipalities()[5]
    term = Term("Näringslivsstrategi", "Strategi", "naringsliv")
    draft = make_programme(
        random.Random(1), m, status="draft", kind="pdf", start=2027, end=2030, term=term, header_table=True,
        hyphenate=False, quirk=True, inventory_year=2026,
    )  # fmt: skip
    assert draft.text.marker in ("Förslag", "Utkast", "Remissversion", "Samrådshandling")
    assert draft.adopted_by is None and "remiss" in draft.text.plain_text().lower()
    ext = make_programme(
        random.Random(2), m, status="expired_extended", kind="pdf", start=2018, end=2021, term=term,
        header_table=True, hyphenate=False, quirk=False, inventory_year=2026, extended_year=2021,
    )  # fmt: skip
    assert "tills vidare" in ext.text.plain_text()
