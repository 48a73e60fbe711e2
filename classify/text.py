"""Swedish text as the classifier reads it: normalised, stemmed, and cut into sentences."""

from __future__ import annotations

import re
import unicodedata

import Stemmer
from stop_words import get_stop_words

_TOKEN_RE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


def normalize(text: str) -> str:
    """NFC + lowercase: the stemmer neither lowercases nor unifies NFD input (ecosystem.md §5)."""
    return unicodedata.normalize("NFC", text).lower()


class StemAnalyzer:
    """Callable analyzer for ``TfidfVectorizer``: normalise, tokenise, drop stop words, stem.

    A class in an importable module (not a lambda) so that a fitted vectoriser can be persisted.
    """

    def __init__(self) -> None:
        self._stemmer: Stemmer.Stemmer | None = None
        self._stop: frozenset[str] | None = None

    def __call__(self, text: str) -> list[str]:
        if self._stemmer is None:
            self._stemmer = Stemmer.Stemmer("swedish")
            self._stop = frozenset(normalize(w) for w in get_stop_words("swedish"))
        stop = self._stop or frozenset()
        tokens = [t for t in _TOKEN_RE.findall(normalize(text)) if t not in stop]
        return self._stemmer.stemWords(tokens)

    def __getstate__(self) -> dict[str, object]:
        return {}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._stemmer = None
        self._stop = None


# Sentence ends: ., ! or ? followed by space and a capital / digit / bullet; or a line break.
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"”'(•\-–A-ZÅÄÖ0-9])")
_BULLET_RE = re.compile(r"^[\s•\-–*·]+")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; lines are hard boundaries (headings, bullets, table rows)."""
    out: list[str] = []
    for line in text.splitlines():
        line = _BULLET_RE.sub("", line).strip()
        if not line:
            continue
        for part in _SENT_END_RE.split(line):
            part = part.strip()
            if len(part) >= 3:
                out.append(part)
    return out
