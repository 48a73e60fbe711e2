"""The domain signal table: loading it, counting its hits in a text, and its digest.

A signal is a named regular expression for something analysts look for (programme titles, adoption,
drafts, party and regional markers, Norwegian/Danish/Finnish words, action plans, named regional
strategies and collaborations). The table and the ordered title rule for the programme type
(``TYPE_PATTERNS``) are data, ``classify/data/signals.toml``, read once at import: its ``{placeholders}``
are filled from its ``[fragments]`` and from the reference data (``classify.reference``), so the
compiled patterns carry the current names of strategies, collaborations and municipalities.

The model artefact stores only the signals' names and the table's digest (``signal_table_digest``): a
model trained on other signals is refused at load.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from base.vocabulary import PROGRAM_TYPES
from classify.reference import reference_patterns
from classify.text import normalize

TABLE_FILE = "signals.toml"

# Where a document's own title lives: the first few lines. Excerpts and PDFs both start with it.
HEAD_CHARS = 400
ZONES = ("title", "head", "all")
# The title lines: the first few non-empty lines that are short enough to be a heading. A news item or an
# opinion piece that opens with a sentence about a programme has no programme *title*.
TITLE_LINES = 4
TITLE_LINE_CHARS = 160

_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_SIGNAL_KEYS = frozenset({"name", "zone", "case", "pattern"})
_TYPE_RULE_KEYS = frozenset({"type", "pattern"})


def title_lines(text: str) -> str:
    """The first ``TITLE_LINES`` non-empty lines of at most ``TITLE_LINE_CHARS`` characters (lines are
    looked for only among the first 8 non-empty ones, so a title far down a page does not count)."""
    lines = [ln.strip() for ln in text[: HEAD_CHARS * 2].splitlines() if ln.strip()][:8]
    return "\n".join([ln for ln in lines if len(ln) <= TITLE_LINE_CHARS][:TITLE_LINES])


@dataclass(frozen=True)
class Signal:
    """One named domain pattern. ``zone`` is ``title`` (the first short lines), ``head`` (title area,
    first ``HEAD_CHARS`` characters) or ``all``; ``case`` keeps case."""

    name: str
    pattern: str
    zone: str = "all"
    case: bool = False

    def __post_init__(self) -> None:
        if self.zone not in ZONES:
            raise ValueError(f"Signal {self.name!r}: zone must be one of {ZONES}, not {self.zone!r}")


# -- the table ---------------------------------------------------------------------------------


def fill(pattern: Any, values: Mapping[str, str], where: str) -> str:
    """A table pattern (a string, or pieces to join) with its ``{placeholders}`` filled."""
    if isinstance(pattern, list) and pattern and all(isinstance(p, str) for p in pattern):
        pattern = "".join(pattern)
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"{TABLE_FILE}, {where}: pattern must be a string or a list of strings")

    def value(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise ValueError(f"{TABLE_FILE}, {where}: unknown placeholder {m.group(0)}; "
                             f"expected one of {', '.join(sorted(values))}")
        return values[m.group(1)]

    return _PLACEHOLDER_RE.sub(value, pattern)


def load_table(table: Mapping[str, Any], reference: Mapping[str, str]) -> tuple[
        tuple[Signal, ...], tuple[tuple[str, str], ...]]:
    """(signals, type rule) from the parsed TOML table, placeholders filled from its fragments and
    ``reference``. Raises ValueError naming the entry that is wrong."""
    fragments = table.get("fragments", {})
    if set(fragments) & set(reference):
        raise ValueError(f"{TABLE_FILE}: fragments {sorted(set(fragments) & set(reference))} are reference names")
    values = {**reference, **fragments}
    signals: list[Signal] = []
    for i, entry in enumerate(table.get("signals", [])):
        where = f"signal {entry.get('name', i)!r}"
        if set(entry) != _SIGNAL_KEYS:
            raise ValueError(f"{TABLE_FILE}, {where}: keys must be {sorted(_SIGNAL_KEYS)}, not {sorted(entry)}")
        if not isinstance(entry["case"], bool):
            raise ValueError(f"{TABLE_FILE}, {where}: case must be true or false")
        signals.append(Signal(entry["name"], fill(entry["pattern"], values, where), entry["zone"], entry["case"]))
    names = [s.name for s in signals]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"{TABLE_FILE}: signal names must be present and distinct")
    rule: list[tuple[str, str]] = []
    for i, entry in enumerate(table.get("type_rule", [])):
        where = f"type_rule {i + 1}"
        if set(entry) != _TYPE_RULE_KEYS or entry["type"] not in PROGRAM_TYPES:
            raise ValueError(f"{TABLE_FILE}, {where}: needs a type (one of {', '.join(PROGRAM_TYPES)}) "
                             "and a pattern, nothing else")
        rule.append((fill(entry["pattern"], values, where), entry["type"]))
    return tuple(signals), tuple(rule)


def _read_table() -> dict[str, Any]:
    return tomllib.loads((resources.files("classify") / "data" / TABLE_FILE).read_text(encoding="utf-8"))


# TYPE_PATTERNS: program_type from the document's own title, the *first* title term in the head decides.
# Ordered (pattern, type); "Tillväxt- och näringslivsprogram" counts as tillväxt (corpus README).
SIGNALS, TYPE_PATTERNS = load_table(_read_table(), reference_patterns())
TYPE_SIGNALS = tuple(f"type_first_{t}" for t in PROGRAM_TYPES)


@cache
def _compiled() -> tuple[tuple[Signal, re.Pattern[str]], ...]:
    return tuple(
        (s, re.compile(s.pattern, 0 if s.case else re.IGNORECASE)) for s in SIGNALS
    )


def signal_names() -> tuple[str, ...]:
    return tuple(s.name for s in SIGNALS)


# -- the title rule for the programme type --------------------------------------------------------


@cache
def _type_compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p, re.IGNORECASE), t) for p, t in TYPE_PATTERNS)


def _first_type(head: str) -> str | None:
    best: tuple[int, str] | None = None
    for rx, kind in _type_compiled():
        m = rx.search(head)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), kind)
    return best[1] if best else None


def _title_area(low: str) -> str:
    """The head with words hyphenated across lines joined ("näringslivs-\nstrategi")."""
    return re.sub(r"(\w)-[ \t]*\n[ \t]*(\w)", r"\1\2", low[: HEAD_CHARS + 20])[:HEAD_CHARS]


def title_type(text: str) -> str | None:
    """The programme type named first in the title area, by the ``TYPE_PATTERNS`` rule."""
    return _first_type(_title_area(normalize(text)))


# -- counting ----------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def signal_counts(text: str) -> dict[str, int]:
    """Hit counts of every signal (head signals look only at the title area), plus the
    ``type_first_*`` indicators of the title rule. Cached: training and CV score the same texts often."""
    orig = unicodedata.normalize("NFC", text)
    low = orig.lower()
    zones = {"title": title_lines(orig), "head": orig[:HEAD_CHARS], "all": orig}
    lowered = {zone: part.lower() for zone, part in zones.items()}
    counts: dict[str, int] = {}
    for sig, rx in _compiled():
        target = zones[sig.zone] if sig.case else lowered[sig.zone]
        counts[sig.name] = sum(1 for _ in rx.finditer(target))
    first = _first_type(_title_area(low))
    for kind in PROGRAM_TYPES:
        counts[f"type_first_{kind}"] = int(first == kind)
    return counts


def signal_hits(sentence: str, names: Sequence[str]) -> int:
    """Hits of the named signals in one sentence (zone ignored): used to score evidence."""
    low = normalize(sentence)
    orig = unicodedata.normalize("NFC", sentence)
    total = 0
    for sig, rx in _compiled():
        if sig.name in names:
            total += sum(1 for _ in rx.finditer(orig if sig.case else low))
    return total


def signal_table_digest() -> str:
    """Digest of the signal definitions as compiled (placeholders filled): a model trained on other
    signals, or on other reference names, must not be loaded."""
    table = [[s.name, s.pattern, s.zone, s.case] for s in SIGNALS] + [list(t) for t in TYPE_PATTERNS]
    return hashlib.sha256(json.dumps(table, ensure_ascii=False).encode()).hexdigest()[:16]
