"""Guards for the hand rules over the model: a text without business words, a hub page of links.

``classify.model.RULES`` caps P(programme) where they trip (``guard_reason``); they read the whole text,
not the model's view of it.
"""

from __future__ import annotations

import re

# A business/growth programme talks about business: a text without any of these words is about something
# else, whatever its title ("Policy för lokalförsörjning"). One free letter for OCR, as in the signals.
_BUSINESS_RE = re.compile(r"n.ringsliv|f.retag|tillv.xt|entrepren|\bjobb|arbetstillf.llen|etablering|"
                          r"n.ringspolitik|arbetsmarknad|\bhandel\b|industri|innovation", re.IGNORECASE)
# Lines that are navigation or service boilerplate on a hub page rather than content.
_BOILERPLATE_RE = re.compile(r"\bläs mer\b|här hittar du|\bkontakta\b|e-tjänst|\bblankett|telefontider|"
                             r"hör av dig|senast uppdaterad|på den här sidan|ansök\w* digitalt|"
                             r"\bdokument\s*$|\((?:pdf|docx?|xlsx?),? [\d ,.]+\s*[km]?b\)", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")
# Fewer content words than this and a page presents nothing (a hub with links and contact lines).
MIN_CONTENT_WORDS = 25


def business_words(text: str) -> int:
    """How many business words (näringsliv, företag, tillväxt, jobb ...) the text has."""
    return sum(1 for _ in _BUSINESS_RE.finditer(text))


def words_beyond_title(text: str) -> int:
    """Words outside the title line and outside navigation/service boilerplate lines (not
    ``classify.select.content_words``, which counts every word of an extraction)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return sum(len(_WORD_RE.findall(ln)) for ln in lines[1:] if not _BOILERPLATE_RE.search(ln))


def is_hub_page(text: str) -> bool:
    """A page of links and contact lines with (almost) no content of its own: it presents no programme."""
    boilerplate = sum(1 for ln in text.splitlines() if _BOILERPLATE_RE.search(ln))
    return boilerplate > 0 and words_beyond_title(text) < MIN_CONTENT_WORDS
