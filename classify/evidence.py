"""Evidence for a tag: the sentence (and page) that best supports it.

A sentence's score for a tag is the number of the tag's domain-signal hits (weighted, because a
pattern written for the tag is the strongest evidence an analyst can check) plus the sum of the
model's positive word coefficients of its stems. The best sentence wins; ties go to the earliest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from classify.signals import signal_hits
from classify.specs import TASK_SIGNALS
from classify.text import StemAnalyzer, split_sentences

# A pattern hit outweighs any plausible sum of word coefficients from a short sentence.
SIGNAL_WEIGHT = 3.0
MAX_QUOTE = 300
# Sentences longer than this many content tokens are damped by sqrt(length / this).
LONG_SENTENCE_TOKENS = 12
# The title (first few lines) is the best evidence that a document is a programme.
TITLE_SENTENCES = 4
TITLE_BONUS = 3.0
# Sentences beyond this many characters of a page are not scanned (40-page PDFs at predict time).
MAX_SCAN_CHARS = 60_000

# Evidence patterns per label; is_program looks for titles and adoption rather than all its signals.
EVIDENCE_SIGNALS: dict[str, tuple[str, ...]] = {
    **TASK_SIGNALS,
    "is_program": ("title_naringsliv", "title_tillvaxt", "title_other_plan", "adopted", "own_programme",
                   "mention_programme"),
}


# Sentences that state the opposite of a tag: such a sentence is never its evidence, and where one stands
# the tag needs a sentence that states it outright (a signal hit), not just related words.
CONTRADICTIONS: dict[str, re.Pattern[str]] = {
    "business_collaboration": re.compile(
        r"(?:tagits|arbetats|togs|tagit|utarbetats|skrivits|formulerats) fram (?:av|inom) (?:\w+ ){0,2}"
        r"(?:tjänstem[aä]n|tjänstepersoner|förvaltning\w*|kommunledning\w*|näringslivsenhet\w*|"
        r"kommunstyrelse\w*|politiker\w*)(?! (?:och|tillsammans|i dialog|i samverkan|med))|"
        r"utan (?:dialog|medverkan|samråd|samverkan) med|\binternt\b", re.IGNORECASE),
    "action_plan": re.compile(
        r"saknar (?:\w+ )?(?:en )?(?:handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan)|"
        r"(?:handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan)\w* (?:saknas|finns inte|har inte)|"
        r"(?:ingen|inte någon|inte en) (?:\w+ )?(?:handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan)",
        re.IGNORECASE),
}


@dataclass(frozen=True)
class Evidence:
    quote: str
    page: int | None = None


def _units(text: str, pages: Sequence[str] | None) -> list[tuple[str, int | None]]:
    if pages:
        out: list[tuple[str, int | None]] = []
        seen = 0
        for i, page in enumerate(pages, 1):
            if seen > MAX_SCAN_CHARS:
                break
            out.extend((s, i) for s in split_sentences(page))
            seen += len(page)
        return out
    return [(s, None) for s in split_sentences(text[:MAX_SCAN_CHARS])]


def score_sentence(
    label: str, sentence: str, word_weights: Mapping[str, float], analyzer: StemAnalyzer, position: int = 0
) -> float:
    """Signal hits (weighted) plus the positive word coefficients, damped for long sentences (a table of
    contents run together is not a good quote); for is_program the title lines come first."""
    hits = signal_hits(sentence, EVIDENCE_SIGNALS.get(label, ()))
    tokens = analyzer(sentence)
    words = sum(max(0.0, word_weights.get(t, 0.0)) for t in set(tokens))
    length_damping = max(1.0, math.sqrt(len(tokens) / LONG_SENTENCE_TOKENS))
    score = (SIGNAL_WEIGHT * min(hits, 2) + words) / length_damping
    if label == "is_program" and hits and position < TITLE_SENTENCES:
        score += TITLE_BONUS
    return score


def find_evidence(
    label: str,
    text: str,
    pages: Sequence[str] | None,
    word_weights: Mapping[str, float],
    analyzer: StemAnalyzer | None = None,
    exclude: re.Pattern[str] | None = None,
) -> Evidence | None:
    """The best-supporting sentence for ``label``, or None if no sentence supports it at all.

    Sentences matching ``exclude`` (they say the opposite) are passed over; where one stands, only a
    sentence with a signal hit of the label counts as support."""
    analyzer = analyzer or StemAnalyzer()
    best: tuple[float, str, int | None] | None = None
    contradicted = False
    for position, (sentence, page) in enumerate(_units(text, pages)):
        if exclude is not None and exclude.search(sentence):
            contradicted = True
            continue
        score = score_sentence(label, sentence, word_weights, analyzer, position)
        if score > 0 and (best is None or score > best[0]):
            best = (score, sentence, page)
    if best is None:
        return None
    if contradicted and not signal_hits(best[1], EVIDENCE_SIGNALS.get(label, ())):
        return None
    quote = best[1] if len(best[1]) <= MAX_QUOTE else best[1][: MAX_QUOTE - 1].rstrip() + "…"
    return Evidence(quote=quote, page=best[2])


def best_sentence(
    text: str, scorer: Callable[[list[str]], Sequence[float]], exclude: re.Pattern[str] | None = None
) -> tuple[str, float]:
    """The sentence a per-sentence model scores highest (none that ``exclude`` matches), and its score."""
    sentences = [s for s in split_sentences(text[:MAX_SCAN_CHARS]) if not (exclude and exclude.search(s))]
    if not sentences:
        return "", -10.0
    scores = list(scorer(sentences))
    i = max(range(len(sentences)), key=lambda k: (scores[k], -k))
    return sentences[i], float(scores[i])
