"""Tests for classify.document: how much of a long text the classifier reads (the view: tests/test_model.py)."""

from __future__ import annotations

from classify.document import cap_text


def test_cap_text_keeps_head_and_tag_sentences() -> None:
    filler = "Detta är en mening om vägar och skolor. " * 400
    text = "Näringslivsprogram för Mora kommun.\n" + filler + "\nProgrammet utgår från RUFS 2050.\n" + filler
    capped = cap_text(text, limit=2000)
    assert capped.startswith("Näringslivsprogram för Mora kommun.")
    assert "Programmet utgår från RUFS 2050." in capped
    assert len(capped) < 3000
    assert cap_text("kort", limit=2000) == "kort"
