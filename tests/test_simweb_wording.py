"""simweb.wording / simweb.programmes: varied Swedish wording, and traits that the text really carries."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from simweb.programmes import Programme, choose_term, make_programme
from simweb.reference import counties, municipalities
from simweb.wording import (
    TERMS_COMBINED,
    TERMS_PLAIN,
    TERMS_PLAN_POLICY,
    TRAIT_RUS_TRUE,
    Term,
    expand,
    title_program_type,
)


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
        assert p.traits.program_type == title_program_type(p.title)


@pytest.mark.parametrize(
    "term, expected",
    [
        (Term("Näringslivsprogram", "Program"), ["NÄRINGSLIVS-", "PROGRAM"]),
        (Term("Tillväxtstrategi", "Strategi"), ["TILLVÄXT-", "STRATEGI"]),
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
    term = Term("Näringslivsstrategi", "Strategi")
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


# ---------------------------------------------------------------- corpus labelling rules (shared/corpus/README.md)

ALL_TERMS = [*TERMS_PLAIN, *TERMS_PLAN_POLICY, *TERMS_COMBINED]
ACTION_WORDS = re.compile(r"handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan", re.IGNORECASE)


def _with_term(term: Term, n: int, seed: int = 0) -> list[Programme]:
    rng = random.Random(seed)
    return [
        make_programme(
            rng, m, status="current", kind="pdf", start=2024, end=2027, term=term, header_table=rng.random() < 0.5,
            hyphenate=False, quirk=False, inventory_year=2026,
        )
        for m in rng.sample(list(municipalities()), n)
    ]  # fmt: skip


# README: program_type "from the document's own title: naringsliv (näringslivsprogram/-strategi/-plan),
# tillvaxt (tillväxtprogram/-strategi; "Tillväxt- och näringslivsprogram" counts here), annat (other
# names: plan, policy, handlingsplan, färdplan, LUP)". Written out here, independently of the generator.
EXPECTED_TYPE = {
    "Näringslivsprogram": "naringsliv",
    "Näringslivsstrategi": "naringsliv",
    "Lokal näringslivsstrategi": "naringsliv",
    "Strategiskt näringslivsprogram": "naringsliv",
    "Reviderad näringslivsstrategi": "naringsliv",
    "Strategi för ett bättre företagsklimat": "naringsliv",
    "Näringslivsstrategi för hållbar tillväxt": "naringsliv",
    "Näringslivsplan": "naringsliv",
    "Tillväxtprogram": "tillvaxt",
    "Tillväxtstrategi": "tillvaxt",
    "Program för hållbar tillväxt": "tillvaxt",
    "Tillväxt- och näringslivsprogram": "tillvaxt",
    "Plan för näringslivsutveckling": "annat",
    "Handlingsplan för näringslivsutveckling": "annat",
    "Näringslivspolicy": "annat",
    "Policy för näringslivsutveckling": "annat",
    "Landsbygds- och näringslivsstrategi": "annat",
    "Program för näringsliv och arbetsmarknad": "annat",
    "Strategi för näringsliv och besöksnäring": "annat",
}


def test_program_type_is_read_from_the_title_as_the_corpus_does() -> None:
    assert {t.word for t in ALL_TERMS} == set(EXPECTED_TYPE)
    for term in ALL_TERMS:
        assert term.program_type == EXPECTED_TYPE[term.word], term.word
        for p in _with_term(term, 4):
            assert p.traits.program_type == EXPECTED_TYPE[term.word], p.title


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Policy för näringslivsutveckling 2024–2027", "annat"),
        ("Handlingsplan för näringslivsutveckling – Öppet för företag 2024-2027", "annat"),
        ("Färdplan för näringslivsarbetet", "annat"),
        ("Åres kommuns näringslivsplan 2030", "naringsliv"),
        ("Förslag – Tillväxt- och näringslivsprogram 2027–2030", "tillvaxt"),
        ("Näringslivsstrategi för hållbar tillväxt", "naringsliv"),
    ],
)
def test_title_program_type_rule(title: str, expected: str) -> None:
    assert title_program_type(title) == expected


def test_a_title_that_names_sustainability_means_sustainability_is_emphasised() -> None:
    named = [t for t in ALL_TERMS if "hållbar" in t.word.lower()]
    assert {t.word for t in named} == {"Program för hållbar tillväxt", "Näringslivsstrategi för hållbar tillväxt"}
    for term in named:
        for p in _with_term(term, 12, seed=4):
            heads = [h for h, _ in p.text.sections]
            assert p.traits.sustainability and "hållbar" in p.title.lower()
            assert any(h in ("Hållbar tillväxt", "Hållbarhet") for h in heads)


def test_a_programme_named_as_an_action_plan_is_an_action_plan() -> None:
    term = next(t for t in ALL_TERMS if t.word.startswith("Handlingsplan"))
    for p in _with_term(term, 12, seed=5):
        assert p.traits.action_plan and p.traits.program_type == "annat"
        assert any(h.startswith(("Handlingsplan", "Aktiviteter")) for h, _ in p.text.sections)


def test_action_plan_label_matches_every_action_plan_word_in_the_text() -> None:
    """An "årlig handlingsplan" or "aktivitetsplan" is an action plan: the text names one exactly when the
    label says so; yearly plans are also annual activities."""
    progs = _programmes(150, seed=6)
    yearly_plan = 0
    for p in progs:
        text = p.text.plain_text()
        heads = [h for h, _ in p.text.sections]
        if p.traits.action_plan:
            assert ACTION_WORDS.search(text) or "Aktiviteter och åtgärder" in heads, text
        else:
            assert not ACTION_WORDS.search(text) and "Ansvarig:" not in text, text
        if re.search(r"årlig\w* (?:handlingsplan|aktivitetsplan)|aktivitetsplan", text, re.IGNORECASE):
            yearly_plan += 1
            assert p.traits.action_plan and p.traits.annual_activities, text
    assert yearly_plan >= 5
    annual_without_plan = [p for p in progs if p.traits.annual_activities and not p.traits.action_plan]
    assert annual_without_plan  # yearly activities exist without any action plan too


def test_sustainability_false_means_at_most_a_passing_mention() -> None:
    for p in _programmes(150, seed=7):
        if p.traits.sustainability:
            continue
        text = p.text.plain_text()
        assert "hållbar" not in p.title.lower()
        assert not re.search(r"agenda 2030|globala mål|hållbarhetsdimension|bärande princip", text, re.IGNORECASE)
