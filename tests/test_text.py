"""Tests for classify.text: normalisation, stemming, sentences."""

from __future__ import annotations

import unicodedata

from classify.text import StemAnalyzer, normalize, split_sentences


def test_normalize_unifies_nfd_and_case() -> None:
    nfd = unicodedata.normalize("NFD", "Näringslivsprogram")
    assert normalize(nfd) == "näringslivsprogram"


def test_stem_analyzer_is_nfd_safe_and_drops_stop_words() -> None:
    analyzer = StemAnalyzer()
    nfd = unicodedata.normalize("NFD", "Handlingsplanerna och HÅLLBARHET")
    assert analyzer(nfd) == analyzer("handlingsplanerna och hållbarhet")
    assert "och" not in analyzer("handlingsplanerna och hållbarhet")
    assert analyzer("hållbara") == analyzer("hållbarhet")  # both stem to "hållbar"


def test_split_sentences_uses_lines_and_sentence_ends() -> None:
    text = "Näringslivsprogram 2020-2024\n• Första punkten. Andra meningen! 3 mål.\n\nSlut"
    assert split_sentences(text) == ["Näringslivsprogram 2020-2024", "Första punkten.", "Andra meningen!",
                                     "3 mål.", "Slut"]
