"""Reference data the signals name: regional strategies, collaborations, counties and municipalities.

Read from the bundled CSVs in ``base/data/`` (copied from the project's shared data; sources in its README),
and turned into the alternations that fill the placeholders of the signal table
(``classify/data/signals.toml``: ``{rus_names}``, ``{municipalities}`` ...).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from classify.text import normalize

DATA_DIR = Path(str(resources.files("base") / "data"))

_PAREN_RE = re.compile(r"\(([^)]*)\)")
_YEARS_RE = re.compile(r"\b(19|20)\d\d\b([–-](19|20)?\d\d)?")
# Matches nothing: the pattern of an empty list of names.
NOTHING = r"(?!x)x"


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _split_top(raw: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses ('RUS (2021; revised 2025); RUFS' -> 2 parts)."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        depth += (ch == "(") - (ch == ")")
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


# Name fragments too generic to count as a reference to one strategy on their own.
_GENERIC_FRAGMENTS = frozenset(
    {"nya möjligheter", "verka och utvecklas i", "adopted", "jämtland härjedalen", "jämtlands län"}
)


def _name_variants(raw: str) -> list[str]:
    """'RUS Uppsala län (2021; revised 2025)' -> ['RUS Uppsala län']; 'Business Region Göteborg (BRG)'
    -> ['Business Region Göteborg', 'BRG']; 'Dalastrategin – Dalarna' also yields 'Dalastrategin'.
    Years are dropped so that other editions match too."""
    names: list[str] = []
    for inner in _PAREN_RE.findall(raw):
        inner = inner.strip()
        # An acronym in parentheses is a name of its own; a note ("2021; revised 2025") is not.
        if re.fullmatch(r"[A-ZÅÄÖ][A-ZÅÄÖ0-9]{1,6}", inner):
            names.append(re.sub(r"\d+$", "", inner) or inner)
    base = _PAREN_RE.sub("", raw)
    for part in base.split(","):
        part = _YEARS_RE.sub("", part)
        part = re.sub(r"\s+", " ", part).strip(" -–;:")
        if len(part) >= 4 and part.lower() not in _GENERIC_FRAGMENTS:
            names.append(part)
        # Sub-titles after a dash or colon: keep those that name a strategy, and the first piece
        # when it is a multi-word name ("Det öppna Skåne"), not a bare place ("Halland").
        pieces = [p.strip(" -–;:") for p in re.split(r"\s[–:]\s|:\s", part)]
        for i, piece in enumerate(pieces if len(pieces) > 1 else []):
            strategic = re.search(r"strateg|program|plan|vision|rufs|\bvg20", piece, re.IGNORECASE)
            if (strategic or (i == 0 and " " in piece)) and piece.lower() not in _GENERIC_FRAGMENTS:
                names.append(piece)
    return names


@cache
def reference_names() -> dict[str, tuple[str, ...]]:
    """Named regional strategies (``rus``) and collaborations (``collab``) from the bundled CSVs."""
    rus: list[str] = []
    for row in _rows("counties.csv"):
        for raw in _split_top(row["rus_names"], ";"):
            rus.extend(_name_variants(raw))
    collab: list[str] = []
    for row in _rows("collaborations.csv"):
        # Service collaborations (waste, schools, environment) are not business links.
        notes = row["notes"].lower()
        if "not business development" in notes or "environment and energy only" in notes:
            continue
        collab.extend(_name_variants(row["name"]))
    return {"rus": tuple(dict.fromkeys(rus)), "collab": tuple(dict.fromkeys(collab))}


def county_names() -> list[str]:
    """County landscape names, as written ('Hallands län' -> 'Halland')."""
    return [re.sub(r"s? län$", "", row["county"].strip()) for row in _rows("counties.csv")]


def municipality_names() -> set[str]:
    """The 290 municipality names, as written."""
    return {row["name"].strip() for row in _rows("municipalities.csv")}


def foreign_municipality_names() -> set[str]:
    """Swedish-language municipalities abroad (Finland): their programmes are look-alikes on Swedish sites."""
    return {row["name"].strip() for row in _rows("foreign_municipalities.csv")}


def _county_pattern() -> str:
    """County landscape names ('Hallands län' -> 'halland'), for 'a regional document' in titles."""
    names = [normalize(n) for n in county_names()]
    return r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")s?\b"


def _municipality_pattern() -> str:
    """The municipality names, capitalised as written (so 'Vara' the place, not 'vara' the verb)."""
    names = sorted(municipality_names(), key=lambda n: (-len(n), n))
    return r"\b(?:" + "|".join(re.escape(n) for n in names) + r")s?\b"


def _names_pattern(names: Iterable[str]) -> str:
    """Alternation matching the names; short acronyms (RUFS, GR, BRG) must be uppercase words."""
    # "MalmöLundregionen" is also written "Malmö-Lundregionen" / "Malmö Lundregionen".
    long_names = sorted(
        {"[- ]?".join(re.escape(normalize(p)) for p in re.split(r"(?<=[a-zåäö])(?=[A-ZÅÄÖ])", n))
         for n in names if len(n) > 5},
        key=lambda n: (-len(n), n),
    )
    return r"\b(?:" + "|".join(long_names) + r")\b" if long_names else NOTHING


def _acronyms_pattern(names: Iterable[str], leave_out: Iterable[str] = ()) -> str:
    """The short names (acronyms) as whole words; matched with their case, so 'rufs' is not 'RUFS'."""
    acronyms = sorted({n for n in names if len(n) <= 5} - set(leave_out))
    return rf"\b(?:{'|'.join(re.escape(a) for a in acronyms)})\b" if acronyms else NOTHING


@cache
def reference_patterns() -> dict[str, str]:
    """The signal table's reference placeholders, each a complete pattern (``NOTHING`` when empty)."""
    ref = reference_names()
    return {
        "municipalities": _municipality_pattern(),
        "counties": _county_pattern(),
        "rus_names": _names_pattern(ref["rus"]),
        # "RUS" itself is the generic word (signal rus_generic), not the name of one strategy.
        "rus_acronyms": _acronyms_pattern(ref["rus"], leave_out=("RUS",)),
        "collab_names": _names_pattern(ref["collab"]),
        "collab_acronyms": _acronyms_pattern(ref["collab"]),
    }
