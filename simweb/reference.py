"""Real municipality, county (RUS) and collaboration names from the bundled reference data."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from base.municipalities import Municipality, read_municipalities

DATA_DIR = Path(__file__).resolve().parent.parent / "base" / "data"


@dataclass(frozen=True)
class County:
    code: str
    name: str
    region_body: str
    rus_names: tuple[str, ...]


@dataclass(frozen=True)
class Collaboration:
    name: str
    kind: str
    member_codes: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def municipalities() -> tuple[Municipality, ...]:
    """The 290 municipalities as inventory reads them. ``website`` is the real website of the bundled list;
    the address a simulated site is served at is simweb.generate's (its manifest and municipalities.csv)."""
    return tuple(read_municipalities(DATA_DIR / "municipalities.csv"))


def split_outside_parentheses(text: str, sep: str = ";") -> list[str]:
    """Split on ``sep`` only outside parentheses: "A (2021; revised 2025); B" -> ["A (2021; revised 2025)", " B"]."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


# a trailing parenthesis that is part of how documents cite the strategy: an abbreviation ("(RUS)",
# "(RUS2030)"); every other trailing parenthesis is an editorial note of the reference table
# ("(2021; revised 2025)", "(RUP, predecessor)", "(Uppsala län)", "(vision)")
_CITED_NOTE = re.compile(r"\((?:RUS|RUP|RUFS) ?\d{0,4}\)")
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)$")
# names in English are the reference table's translations; Swedish programmes do not cite them
_ENGLISH = re.compile(r"\b(?:the|strategy|development|regional development)\b|'s\b", re.IGNORECASE)


def clean_rus_name(name: str) -> str | None:
    """The strategy name as a Swedish programme cites it, or None for names no programme would cite."""
    name = name.strip()
    while (m := _TRAILING_NOTE.search(name)) and not _CITED_NOTE.fullmatch(m.group().strip()):
        name = name[: m.start()].rstrip()
    if len(name) <= 4 or _ENGLISH.search(name):
        return None
    return name


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    out: dict[str, County] = {}
    for r in _rows("counties.csv"):
        cleaned = (clean_rus_name(x) for x in split_outside_parentheses(r["rus_names"]))
        names = tuple(dict.fromkeys(n for n in cleaned if n))  # unique, in table order
        body = r["region_body"].split("(")[0].strip()
        out[r["county_code"]] = County(r["county_code"], r["county"], body, names)
    return out


@lru_cache(maxsize=1)
def collaborations() -> tuple[Collaboration, ...]:
    return tuple(
        Collaboration(
            r["name"].split(",")[0].strip(),
            r["kind"],
            tuple(c for c in r["member_codes"].split(";") if c),
        )
        for r in _rows("collaborations.csv")
    )


def collaborations_of(code: str) -> list[Collaboration]:
    return [c for c in collaborations() if code in c.member_codes]


def genitive(name: str) -> str:
    """Swedish genitive of a place name: Åre -> Åres, Borås -> Borås, Vännäs -> Vännäs."""
    return name if name[-1] in "sxz" else name + "s"
