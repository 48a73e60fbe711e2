"""Analyst outputs: CSV (contract + Swedish-Excel variant), XLSX and the HTML report.

Every text cell that a spreadsheet could read as a formula is neutralised first, because programme
titles and URLs come from the open web. Decisions and column meanings: ``docs/outputs.md``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from inventory.changes import alerts
from inventory.report import render_report

# Characters that make Excel, LibreOffice or Google Sheets start a formula (OWASP "CSV injection"),
# including tab and carriage return, which some importers strip before looking at the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The contract columns of inventory.csv (issue 2), in order; other columns follow in their own order.
INVENTORY_COLUMNS = (
    "code", "name", "county", "status", "program_title", "program_url", "program_type", "valid_from", "valid_to",
    "in_force", "regional_category", "rus_link", "intermunicipal_link", "action_plan", "sustainability",
    "business_collaboration", "annual_activities", "confidence", "found_via", "requests",
)  # fmt: skip

# Column name -> Swedish header for the XLSX sheets. Names not listed keep their own name.
SWEDISH_HEADERS: Mapping[str, str] = MappingProxyType({
    "code": "Kommunkod", "name": "Kommun", "county_code": "Länskod", "county": "Län", "status": "Status",
    "program_title": "Programmets titel", "program_url": "Länk till programmet", "program_type": "Programtyp",
    "valid_from": "Gäller från (år)", "valid_to": "Gäller till (år)", "extended": "Förlängt",
    "in_force": "Gällande", "regional_category": "Regional koppling", "rus_link": "Koppling till RUS",
    "intermunicipal_link": "Mellankommunal koppling", "action_plan": "Handlingsplan",
    "sustainability": "Hållbarhet betonas", "business_collaboration": "Framtaget med näringslivet",
    "annual_activities": "Årliga aktiviteter", "confidence": "Säkerhet (modell)", "needs_review": "Bör granskas",
    "found_via": "Hittat via", "requests": "Antal anrop", "sha256": "Innehållshash (SHA-256)",
    "adopted_by": "Antaget av", "adopted_date": "Antaget datum", "evidence": "Belägg (citat)",
    "crawl_status": "Insamlingsstatus", "reason": "Orsak", "run_id": "Körning", "year": "Körningsår",
    "inventory_year": "Inventeringsår", "overridden_fields": "Granskade fält",
    "override_notes": "Granskningskommentar", "url": "Adress", "final_url": "Slutlig adress", "title": "Titel",
    "kind": "Format", "anchor_text": "Länktext", "source_page": "Länkande sida", "link_score": "Länkpoäng",
    "is_program_prob": "Sannolikhet för program", "draft": "Utkast", "role": "Roll", "picked": "Vald",
    "related_urls": "Relaterade länkar", "metric": "Mått", "count": "Antal", "denominator": "Nämnare",
    "percent": "Procent", "ci_low": "Konfidensintervall, nedre (95 %)",
    "ci_high": "Konfidensintervall, övre (95 %)", "label": "Beskrivning", "base": "Bas (nämnare)",
    "change": "Förändring", "note": "Kommentar", "alert": "Larm",
    "previous_status": "Förra statusen", "current_status": "Nuvarande status",
    "previous_title": "Förra titeln", "current_title": "Nuvarande titel",
    "previous_url": "Förra länken", "current_url": "Nuvarande länk",
    "previous_sha256": "Förra innehållshashen", "current_sha256": "Nuvarande innehållshash",
    "previous_period": "Förra perioden", "current_period": "Nuvarande perioden",
    "previous_year": "Förra inventeringsåret", "current_year": "Nuvarande inventeringsår",
    "previous_in_force": "Gällande förra gången", "current_in_force": "Gällande nu",
})  # fmt: skip

# Sheet name (Swedish, <= 31 characters) for each table written by write_outputs.
SHEETS = MappingProxyType({
    "inventory": "Inventering", "summary": "Sammanfattning", "county": "Per län", "changes": "Förändringar",
    "alerts": "Larm", "documents": "Dokument", "links": "Länkar",
})  # fmt: skip

_MAX_WIDTH = 60


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where every text cell starting with ``= + - @``, tab or CR gets a leading apostrophe.

    Numbers (numeric columns and numeric cells) are left alone: ``-5`` as a number is not a formula.
    """

    def cell(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    updates = {
        column: df[column].map(cell, na_action="ignore")
        for column in df.columns
        if not (pd.api.types.is_numeric_dtype(df[column].dtype) or pd.api.types.is_bool_dtype(df[column].dtype))
    }
    return df.assign(**updates) if updates else df.copy()


def _json_cell(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple):
        if not value:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, Mapping), default=str)
    return value


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def as_text_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as CSV cells: booleans ``true``/``false``, unknown empty, dicts and lists as JSON,
    text neutralised against formulas. Numbers stay numbers so each writer can format them."""

    def text_cell(value: Any) -> Any:
        if _is_missing(value):
            return pd.NA
        if isinstance(value, bool | np.bool_):
            return "true" if value else "false"
        return _json_cell(value)

    updates = {}
    for column in df.columns:
        dtype = df[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            updates[column] = df[column].astype("object").map(text_cell).astype("object")
    return neutralise_formulas(df.assign(**updates) if updates else df.copy())


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Write to a temporary file beside ``path`` and move it into place, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def excel_variant(path: Path) -> Path:
    """``inventory.csv`` -> ``inventory.excel.csv``."""
    return path.with_name(f"{path.stem}.excel.csv")


def write_csv(df: pd.DataFrame, path: Path) -> list[Path]:
    """Write ``path`` (the contract: UTF-8, comma, header) and ``<name>.excel.csv`` for Swedish Excel
    (semicolon, decimal comma, UTF-8 with BOM). Returns both paths."""
    path = Path(path)
    cells = as_text_frame(df)
    with _replacing(path) as tmp:
        cells.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")  # RFC 4180: quotes bare CRs
    variant = excel_variant(path)
    with _replacing(variant) as tmp:
        cells.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig", lineterminator="\r\n")
    return [path, variant]


def _xlsx_cell(value: Any) -> Any:
    if _is_missing(value):
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    value = _json_cell(value)
    if isinstance(value, str):
        # openpyxl refuses control characters; a hostile title must not abort the whole workbook.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            value = "'" + value
    return value


def write_xlsx(frames: Mapping[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per frame (key = sheet name): Swedish headers, bold frozen header row, autofilter,
    column widths from the content (capped), text cells neutralised against formulas."""
    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet_name, df in frames.items():
        sheet = workbook.create_sheet(title=sheet_name[:31])
        headers = [SWEDISH_HEADERS.get(str(c), str(c)) for c in df.columns]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = bold
        for row in df.itertuples(index=False, name=None):
            sheet.append([_xlsx_cell(v) for v in row])
        sheet.freeze_panes = "A2"
        last = get_column_letter(max(1, len(headers)))
        sheet.auto_filter.ref = f"A1:{last}{max(1, len(df) + 1)}"
        for index, header in enumerate(headers, start=1):
            sample = (sheet.cell(row=r, column=index).value for r in range(2, min(len(df), 500) + 2))
            longest = max([len(header), *(len(str(v)) for v in sample if v is not None)])
            sheet.column_dimensions[get_column_letter(index)].width = min(_MAX_WIDTH, max(8, longest + 2))
    with _replacing(path) as tmp:
        workbook.save(tmp)
    return path


def order_inventory(inventory: pd.DataFrame) -> pd.DataFrame:
    """The contract columns first (missing ones added empty), then the rest in their own order."""
    missing = {c: pd.NA for c in INVENTORY_COLUMNS if c not in inventory.columns}
    frame = inventory.assign(**missing) if missing else inventory
    return frame[[*INVENTORY_COLUMNS, *(c for c in inventory.columns if c not in INVENTORY_COLUMNS)]]


def write_outputs(
    out_dir: Path,
    *,
    inventory: pd.DataFrame,
    documents: pd.DataFrame,
    links: pd.DataFrame,
    summary: pd.DataFrame,
    by_county: pd.DataFrame,
    changes: pd.DataFrame,
    year: int,
) -> list[Path]:
    """Write every analyst output into ``out_dir`` and return the paths written."""
    out_dir = Path(out_dir)
    inventory = order_inventory(inventory)
    alert_list = alerts(changes)
    tables = {
        "inventory": inventory, "summary": summary, "documents": documents, "links": links, "county": by_county,
        "changes": changes, "alerts": alert_list,
    }  # fmt: skip
    written: list[Path] = []
    for name, frame in tables.items():
        written += write_csv(frame, out_dir / f"{name}.csv")
    order = ("summary", "inventory", "county", "changes", "alerts", "documents", "links")
    written.append(write_xlsx({SHEETS[name]: tables[name] for name in order}, out_dir / "inventory.xlsx"))
    html = render_report(
        year=year, summary=summary, by_county=by_county, changes=changes, links=links, inventory=inventory
    )
    report = out_dir / "report.html"
    with _replacing(report) as tmp:
        tmp.write_text(html, encoding="utf-8")
    written.append(report)
    return written
