"""Score links and pages for the best-first frontier (pure functions over the table in ``crawler.linksignals``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from crawler.linksignals import SIGNALS, TIER1_SCORE, Signal
from crawler.urls import PLAIN_URL

_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "æ": "a", "ø": "o"})
# Högsby-style slugs fold ö→oe, ä→ae; map them back so one pattern matches both.
_DIGRAPHS = re.compile(r"(?<=[bcdfghjklmnpqrstvwxz])(ae|oe)(?=[bcdfghjklmnpqrstvwxz])")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, NFC, fold å/ä→a and ö→o (and oe/ae between consonants), collapse white space."""
    text = unicodedata.normalize("NFC", text).lower().translate(_FOLD)
    text = _DIGRAPHS.sub(lambda m: m.group(1)[0], text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def fold_url(url: str) -> str:
    """Fold the decoded path and query of a URL (percent-escapes and '+' decoded first)."""
    plain = PLAIN_URL.fullmatch(url)
    if plain:  # no query: the path alone, as urlsplit would have split it
        return fold(unquote((plain["path"] or "").replace("+", " ")))
    parts = urlsplit(url)
    # Query values that are URLs (share links, ReadSpeaker "url=") describe another page, not this one.
    query = " ".join(f"{k}={v}" for k, v in parse_qsl(parts.query, keep_blank_values=True)
                     if "://" not in v and not v.startswith("/"))
    raw = unquote(parts.path.replace("+", " ")) + (f"?{query}" if query else "")
    return fold(raw)


@dataclass(frozen=True)
class LinkFeatures:
    url: str
    anchor: str = ""  # link text, title attribute and file name
    block: str = ""  # heading of the block that holds the link ("Dokument", "Relaterade sidor")
    context: str = ""  # title, h1 and breadcrumb of the page that holds the link
    offsite_host: str = ""  # host of the link if it leaves the municipality's hosts


@dataclass(frozen=True)
class Score:
    value: float
    tier1: bool  # matched a Tier-1 (programme term) signal in the anchor or URL
    matched: tuple[str, ...]


def _texts(features: LinkFeatures) -> dict[str, str]:
    return {
        "anchor": fold(features.anchor),
        "url": fold_url(features.url),
        "block": fold(features.block),
        "context": fold(features.context),
        "host": fold(features.offsite_host),
    }


def score_link(features: LinkFeatures, signals: Iterable[Signal] = SIGNALS) -> Score:
    """Sum the weights of the signals found; each signal counts once."""
    texts = _texts(features)
    if signals is SIGNALS:
        parts = [_place_score(place, text) for place, text in texts.items() if text]
        return Score(sum(p.value for p in parts), any(p.tier1 for p in parts),
                     tuple(name for p in parts for name in p.matched))
    return _score(tuple(signals), texts)


def _score(signals: tuple[Signal, ...], texts: dict[str, str]) -> Score:
    total = 0.0
    matched: list[str] = []
    tier1 = False
    for sig in signals:
        text = texts.get(sig.place, "")
        if text and sig.pattern.search(text):
            total += sig.weight
            matched.append(sig.name)
            tier1 = tier1 or (sig.tier == 1 and sig.weight > 0)
    return Score(total, tier1, tuple(matched))


@lru_cache(maxsize=131072)  # the same anchors, blocks and page contexts recur across a site's pages
def _place_score(place: str, text: str) -> Score:
    any_signal = _ANY_BY_PLACE.get(place)
    if any_signal is not None and not any_signal.search(text):
        return _NOTHING  # what _score finds when no pattern matches, for one search instead of one per signal
    return _score(_BY_PLACE.get(place, ()), {place: text})


_BY_PLACE: dict[str, tuple[Signal, ...]] = {
    place: tuple(s for s in SIGNALS if s.place == place) for place in {s.place for s in SIGNALS}
}
_NOTHING = Score(0.0, False, ())


def _any_of(signals: tuple[Signal, ...]) -> re.Pattern[str] | None:
    """One pattern that matches a text exactly when one of the signals' patterns does (an alternation
    finds a match wherever one alternative does), or None when they cannot be joined (different flags)."""
    flags = {s.pattern.flags for s in signals}
    if len(flags) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{s.pattern.pattern})" for s in signals), flags.pop())
    except re.error:
        return None


_ANY_BY_PLACE: dict[str, re.Pattern[str] | None] = {place: _any_of(sigs) for place, sigs in _BY_PLACE.items()}


def score_page(url: str, title: str, headings: str = "") -> Score:
    """Score a fetched page as a possible programme page from its own URL, title and headings."""
    return score_link(LinkFeatures(url=url, anchor=f"{title} {headings}"))


def is_direct_hit(score: Score) -> bool:
    return score.tier1 and score.value >= TIER1_SCORE
