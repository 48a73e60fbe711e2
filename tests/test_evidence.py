"""Tests for classify.evidence: the best-supporting sentence and its page."""

from __future__ import annotations

from classify.evidence import MAX_QUOTE, find_evidence, score_sentence
from classify.text import StemAnalyzer

TEXT = (
    "Näringslivsprogram för Mora kommun 2020-2024\n"
    "Kommunen vill skapa ett gott företagsklimat. Programmet följs upp varje år.\n"
    "Till programmet hör en handlingsplan med konkreta åtgärder.\n"
    "Programmet har tagits fram i dialog med näringslivet."
)


def test_picks_the_sentence_with_the_tag_pattern() -> None:
    ev = find_evidence("action_plan", TEXT, None, {})
    assert ev is not None
    assert ev.quote == "Till programmet hör en handlingsplan med konkreta åtgärder."
    assert ev.page is None
    collab = find_evidence("business_collaboration", TEXT, None, {})
    assert collab is not None and "dialog med näringslivet" in collab.quote


def test_reports_the_page_when_pages_are_given() -> None:
    pages = ["Näringslivsprogram för Mora kommun", "Inledning om kommunen.",
             "Programmet utgår från den regionala utvecklingsstrategin (RUS)."]
    ev = find_evidence("rus_link", "\n".join(pages), pages, {})
    assert ev is not None and ev.page == 3


def test_model_word_weights_break_ties_and_none_without_support() -> None:
    analyzer = StemAnalyzer()
    weights = {analyzer("företagsklimat")[0]: 2.0}
    assert score_sentence("sustainability", "Ett gott företagsklimat.", weights, analyzer) == 2.0
    assert find_evidence("sustainability", "Kommunen har en hamn.", None, {}) is None


def test_long_sentences_are_trimmed() -> None:
    text = "Handlingsplan " + "med många ord " * 100
    ev = find_evidence("action_plan", text, None, {})
    assert ev is not None and len(ev.quote) <= MAX_QUOTE and ev.quote.endswith("…")
