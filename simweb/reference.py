"""Real municipality, county (RUS) and collaboration names from the bundled reference data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "inventory" / "data"


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    county_code: str
    county: str
    real_website: str


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
    return tuple(
        Municipality(r["code"], r["name"], r["county_code"], r["county"], r["website"])
        for r in _rows("municipalities.csv")
    )


def _clean_rus(name: str) -> str:
    # the reference column keeps editorial notes in parentheses ("(2021; revised 2025)"); documents
    # cite the strategy by name only
    name = name.strip()
    if name.endswith(")") and "(" in name:
        head = name[: name.rindex("(")].strip()
        note = name[name.rindex("(") :]
        if any(w in note for w in ("predecessor", "revised", "adopted", "from", "also", "formerly", "20")):
            name = head
    return name


@lru_cache(maxsize=1)
def counties() -> dict[str, County]:
    out: dict[str, County] = {}
    for r in _rows("counties.csv"):
        names = tuple(n for n in (_clean_rus(x) for x in r["rus_names"].split(";")) if len(n) > 4)
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
