"""The review loop: analysts' corrections (a reviewed-overrides CSV) applied on top of the machine's answers.

Format (``docs/outputs.md``): columns ``code, field, value, comment, reviewer`` (more allowed), one
correction per line. An empty ``value`` means "unknown". Every applied value is traced in the
``overridden_fields`` and ``override_notes`` columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from base.errors import UsageError
from base.inforce import IN_FORCE_VALUE
from base.vocabulary import PROGRAM_TYPES, REGIONAL_CATEGORIES, STATUS_NAMES
from publish.stats import (
    as_boolean,
    in_force_reasons,
    regional_category_from_links,
)

REQUIRED_COLUMNS = ("code", "field", "value", "comment", "reviewer")
PROVENANCE_COLUMNS = ("overridden_fields", "override_notes")

_TRUE = {"true", "ja", "sant", "1", "yes"}
_FALSE = {"false", "nej", "falskt", "0", "no"}


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean (use true/false, ja/nej or empty for unknown)")


def _choice(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2200:
        raise ValueError(f"{text!r} is not a year (four digits, e.g. 2024)")
    return int(text)


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{text!r} is not an http(s) URL")
    return text


def _date(text: str) -> str:
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise ValueError(f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return text


def _text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Field:
    parse: Callable[[str], Any]
    dtype: str  # the inventory column's dtype after the override
    may_be_empty: bool = True


# The fields a reviewer may correct, with how the value is read. ``ambiguous`` and ``doc_kind`` only
# matter for export-labels (they describe the document as training data).
FIELDS: Mapping[str, Field] = MappingProxyType(
    {
        "status": Field(_choice(STATUS_NAMES), "object", may_be_empty=False),
        "program_title": Field(_text, "object"),
        "program_url": Field(_url, "object"),
        "program_type": Field(_choice(PROGRAM_TYPES), "object"),
        "valid_from": Field(_year, "Int64"),
        "valid_to": Field(_year, "Int64"),
        "extended": Field(_boolean, "boolean"),
        "in_force": Field(_boolean, "boolean"),
        "regional_category": Field(_choice(REGIONAL_CATEGORIES), "object"),
        "rus_link": Field(_boolean, "boolean"),
        "intermunicipal_link": Field(_boolean, "boolean"),
        "action_plan": Field(_boolean, "boolean"),
        "sustainability": Field(_boolean, "boolean"),
        "business_collaboration": Field(_boolean, "boolean"),
        "annual_activities": Field(_boolean, "boolean"),
        "adopted_by": Field(_text, "object"),
        "adopted_date": Field(_date, "object"),
        "needs_review": Field(_boolean, "boolean"),
        "ambiguous": Field(_boolean, "boolean"),
        "doc_kind": Field(_text, "object"),
    }
)
# Overriding one of these recomputes in_force (unless in_force itself is overridden).
IN_FORCE_INPUTS = frozenset({"status", "valid_from", "valid_to", "extended", "adopted_date"})
REGIONAL_INPUTS = frozenset({"rus_link", "intermunicipal_link"})


def parse_value(field: str, text: str) -> Any:
    """The typed value of an override (``pd.NA`` for empty); ValueError names the problem."""
    if field not in FIELDS:
        raise ValueError(f"unknown field {field!r}; allowed: {', '.join(FIELDS)}")
    spec = FIELDS[field]
    text = text.strip()
    if not text:
        if not spec.may_be_empty:
            raise ValueError(f"{field} cannot be empty")
        return pd.NA
    return spec.parse(text)


def _normalise_code(code: str) -> str:
    # Excel drops leading zeros ("114" for Upplands Väsby's 0114); municipality codes are four digits.
    code = code.strip()
    return code.zfill(4) if code.isdigit() and len(code) < 4 else code


def read_overrides(path: Path, known_codes: Collection[str] | None = None) -> pd.DataFrame:
    """Read and validate a reviewed-overrides CSV (comma or semicolon, UTF-8 with or without BOM).

    Returns one row per override with the file's columns plus ``source`` and ``line``. Any problem
    raises UsageError naming the file, the line and the problem. ``known_codes``, when given, also
    rejects codes that are not municipalities of the inventory.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read overrides file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not UTF-8 text (in Excel, save as 'CSV UTF-8')") from None
    first = text.split("\n", 1)[0]
    # Swedish Excel saves CSV with semicolons; accept both, decided by the header line.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    codes = {_normalise_code(c) for c in known_codes} if known_codes is not None else None
    header: list[str] | None = None
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = [h.strip().lower() for h in record]
                missing = [c for c in REQUIRED_COLUMNS if c not in header]
                if missing:
                    raise UsageError(
                        f"{path}:{start}: missing column(s) {', '.join(missing)}; "
                        f"the header needs {', '.join(REQUIRED_COLUMNS)}"
                    )
                # Excel leaves empty header cells after the last column; they name nothing and are ignored.
                duplicated = sorted({h for h in header if h and header.count(h) > 1})
                if duplicated:
                    raise UsageError(f"{path}:{start}: duplicate column(s) {', '.join(duplicated)}")
                continue
            if len(record) != len(header):
                raise UsageError(f"{path}:{start}: expected {len(header)} fields, got {len(record)}")
            row = {h: cell.strip() for h, cell in zip(header, record, strict=True) if h}
            row["code"] = _normalise_code(row["code"])
            row["field"] = row["field"].lower()
            if not row["code"]:
                raise UsageError(f"{path}:{start}: empty code")
            if codes is not None and row["code"] not in codes:
                raise UsageError(f"{path}:{start}: unknown municipality code {row['code']!r}")
            try:
                parse_value(row["field"], row["value"])
            except ValueError as exc:
                raise UsageError(f"{path}:{start}: {exc}") from None
            if not row["reviewer"]:
                raise UsageError(f"{path}:{start}: reviewer is empty (every correction needs a name)")
            key = (row["code"], row["field"])
            if key in seen:
                raise UsageError(
                    f"{path}:{start}: second override of {key[1]} for {key[0]} (first on line {seen[key]})"
                )
            seen[key] = start
            rows.append({**row, "source": str(path), "line": start})
    except csv.Error as exc:
        raise UsageError(f"{path}:{reader.line_num}: malformed CSV: {exc}") from None
    if header is None:
        raise UsageError(f"{path}:1: empty file; the header needs {', '.join(REQUIRED_COLUMNS)}")
    columns = [*(h for h in header if h), "source", "line"]
    return pd.DataFrame(rows, columns=columns).astype({"line": "Int64"})


def _where(override: Mapping[str, Any]) -> str:
    source = override.get("source") or "overrides"
    line = override.get("line")
    return f"{source}:{line}" if line is not None and not pd.isna(line) else str(source)


def _note(override: Mapping[str, Any]) -> str:
    value = override["value"] if override["value"] != "" else "(okänt)"
    comment = f": {override['comment']}" if override.get("comment") else ""
    return f"{override['field']}={value} ({override['reviewer']}{comment})"


def apply_overrides(inventory: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """A new inventory with the reviewers' values, traced in ``overridden_fields`` (comma-separated field
    names) and ``override_notes``; ``regional_category`` and ``in_force`` are recomputed where their
    inputs were overridden (unless overridden themselves). Codes not in the inventory raise UsageError."""
    position = {str(code): i for i, code in enumerate(inventory["code"])}
    columns: dict[str, list[Any]] = {}
    fields: dict[int, list[str]] = {}
    notes: dict[int, list[str]] = {}
    for override in overrides.to_dict("records"):
        code = _normalise_code(str(override["code"]))
        if code not in position:
            raise UsageError(f"{_where(override)}: unknown municipality code {code!r} (not in this inventory)")
        field = str(override["field"]).strip().lower()
        try:
            value = parse_value(field, str(override["value"] if not pd.isna(override["value"]) else ""))
        except ValueError as exc:
            raise UsageError(f"{_where(override)}: {exc}") from None
        row = position[code]
        if field not in columns:
            base = inventory[field] if field in inventory.columns else pd.Series(pd.NA, index=inventory.index)
            columns[field] = list(base.astype("object"))
        columns[field][row] = value
        fields.setdefault(row, []).append(field)
        notes.setdefault(row, []).append(_note({**override, "field": field}))
    updated = {
        field: pd.Series(values, index=inventory.index, dtype="object").astype(FIELDS[field].dtype)
        for field, values in columns.items()
    }
    provenance = {
        "overridden_fields": pd.Series(
            [",".join(sorted(fields[i])) if i in fields else pd.NA for i in range(len(inventory))],
            index=inventory.index,
            dtype="object",
        ),
        "override_notes": pd.Series(
            ["; ".join(notes[i]) if i in notes else pd.NA for i in range(len(inventory))],
            index=inventory.index,
            dtype="object",
        ),
    }
    result = inventory.assign(**updated, **provenance)
    return _recompute(result, fields)


def _recompute(frame: pd.DataFrame, fields: Mapping[int, list[str]]) -> pd.DataFrame:
    regional_rows = [i for i, f in fields.items() if REGIONAL_INPUTS & set(f) and "regional_category" not in f]
    in_force_rows = [i for i, f in fields.items() if IN_FORCE_INPUTS & set(f) and "in_force" not in f]
    updates: dict[str, pd.Series] = {}
    if regional_rows and {"rus_link", "intermunicipal_link"} <= set(frame.columns):
        derived = regional_category_from_links(frame["rus_link"], frame["intermunicipal_link"])
        current = frame["regional_category"] if "regional_category" in frame.columns else derived
        mask = pd.Series(False, index=frame.index)
        mask.iloc[regional_rows] = True
        updates["regional_category"] = current.astype("object").where(~mask, derived)
    if in_force_rows:
        # The year the inventory was computed for (apply_year), else the year of the run.
        year_column = "inventory_year" if "inventory_year" in frame.columns else "year"
        values = list(as_boolean(frame["in_force"]) if "in_force" in frame.columns else [pd.NA] * len(frame))
        subset = frame.iloc[in_force_rows]
        for year, group in subset.groupby(subset[year_column].astype("Int64"), dropna=True):
            for label, reason in in_force_reasons(group, int(year)).items():
                decided = IN_FORCE_VALUE[reason]
                values[frame.index.get_loc(label)] = pd.NA if decided is None else decided
        updates["in_force"] = pd.Series(values, index=frame.index, dtype="boolean")
    return frame.assign(**updates) if updates else frame
