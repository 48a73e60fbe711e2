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

from base.vocabulary import COUNTED_TAGS, PROGRAM_TYPES, REGIONAL_CATEGORIES, STATUSES
from publish.changes import CHANGES, alerts
from publish.report import render_report
from publish.stats import METRICS
from publish.swedish import REVIEW_LABELS, STATUS_EXPLANATIONS, VALUE_LABELS, for_people

# Characters that make Excel, LibreOffice or Google Sheets start a formula (OWASP "CSV injection"),
# including tab and carriage return, which some importers strip before looking at the next character.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The contract columns of inventory.csv (issue 2), in order; other columns follow in their own order.
INVENTORY_COLUMNS = (
    "code", "name", "county", "status", "program_title", "program_url", "program_type", "valid_from", "valid_to",
    "in_force", "regional_category", "rus_link", "intermunicipal_link", "action_plan", "sustainability",
    "business_collaboration", "annual_activities", "confidence", "found_via", "requests",
)  # fmt: skip

# Every column the outputs write: name -> (Swedish XLSX header, Swedish explanation for the glossary sheet).
# One table, so a column cannot get a header without an explanation; columns not listed keep their own
# name and are listed in the glossary as unexplained (tests/test_outputs.py fails on that).
COLUMNS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "code": ("Kommunkod", "Kommunens kod, fyra siffror (kommunkod)."),
    "name": ("Kommun", "Kommunens namn."),
    "county_code": ("Länskod", "Länets kod, två siffror."),
    "county": ("Län", "Länets namn."),
    "status": ("Status", "Utfallet för kommunen; se avsnittet Status nedan."),
    "program_title": ("Programmets titel", "Titeln på det valda programdokumentet."),
    "program_url": ("Länk till programmet", "Adressen till det valda programdokumentet."),
    "program_type": ("Programtyp", "Vad programmet kallas; se avsnittet Programtyp. Tom = okänd."),
    "valid_from": ("Gäller från (år)", "Första året i programmets angivna giltighetsperiod. Tom = anges inte."),
    "valid_to": ("Gäller till (år)", "Sista året i programmets angivna giltighetsperiod. Tom = anges inte."),
    "extended": ("Förlängt", "Perioden har förlängts (t.ex. \"gäller tills vidare\")."),
    "in_force": ("Gällande", "Programmet gäller inventeringsåret (se Inventeringsår). Tom = okänt."),
    "regional_category": ("Regional koppling", "Programmets regionala koppling; se avsnittet Regional koppling."),
    "rus_link": ("Koppling till RUS", "Programmet kopplar till den regionala utvecklingsstrategin (RUS)."),
    "intermunicipal_link": ("Mellankommunal koppling", "Programmet kopplar till mellankommunal samverkan."),
    "action_plan": ("Handlingsplan", "Programmet hänvisar till en handlingsplan (aktivitets-, genomförandeplan)."),
    "sustainability": ("Hållbarhet betonas", "Programmet betonar ett hållbarhetsperspektiv."),
    "business_collaboration": ("Framtaget med näringslivet", "Framtaget i samverkan eller dialog med näringslivet."),
    "annual_activities": ("Årliga aktiviteter", "Programmet är nedbrutet i årliga aktiviteter."),
    "confidence": ("Säkerhet (modell)", "Modellens sannolikhet (0-1) att det valda dokumentet är ett program."),
    "needs_review": ("Bör granskas", "Maskinen är osäker på något som raden publicerar; granska dessa rader först."),
    "review_reasons": ("Skäl att granska", "Uppgifterna som maskinen är osäker på, var och en med modellens "
                       "sannolikhet (0-1), t.ex. \"Är ett program 0,58; Hållbarhet betonas 0,46\". "
                       "Se avsnittet Skäl att granska."),
    "found_via": ("Hittat via", "Hur dokumentet hittades; se avsnittet Hittat via."),
    "requests": ("Antal anrop", "Antal HTTP-anrop som insamlingen gjorde för kommunen."),
    "needs_ocr_document": ("Dokument som behöver OCR", "Adressen till ett dokument som ser ut att vara programmet men "
                           "är en skannad PDF som inte kunde läsas utan OCR (Tesseract med svenska)."),
    "sha256": ("Innehållshash (SHA-256)", "Fingeravtryck av innehållet; samma program har samma hash oavsett adress."),
    "adopted_by": ("Antaget av", "Organet som antog programmet, när det anges."),
    "adopted_date": ("Antaget datum", "Datum (eller år) då programmet antogs, när det anges."),
    "evidence": ("Belägg (citat)", "JSON: för varje sann uppgift meningen i dokumentet som stöder den, med sidnummer."),
    "crawl_status": ("Insamlingsstatus", "Insamlingens eget utfall för webbplatsen; se avsnittet Insamlingsstatus."),
    "reason": ("Orsak", "Orsakskod: i Inventering insamlingens orsak, i Dokument varför dokumentet valdes eller inte."),
    "run_id": ("Körning", "Numret på körningen som gav raden."),
    "year": ("Körningsår", "Året då körningen gjordes."),
    "inventory_year": ("Inventeringsår", "Året som Gällande avser (kan skilja sig från Körningsår)."),
    "overridden_fields": ("Granskade fält", "Fält som en granskare har rättat för hand (kommaseparerade)."),
    "override_notes": ("Granskningskommentar", "Granskarens värde, namn och kommentar för varje rättat fält."),
    "ambiguous": ("Tvetydigt", "Granskarens bedömning: dokumentet är svårt att klassa (för träningsdata)."),
    "doc_kind": ("Dokumentslag", "Granskarens beskrivning av vad dokumentet är (för träningsdata)."),
    "url": ("Adress", "Adressen där dokumentet länkades."),
    "final_url": ("Slutlig adress", "Adressen efter omdirigeringar."),
    "title": ("Titel", "Dokumentets titel."),
    "kind": ("Format", "Dokumentets format (pdf, docx, html)."),
    "anchor_text": ("Länktext", "Texten i länken som ledde till dokumentet."),
    "source_page": ("Länkande sida", "Sidan som länkade till dokumentet."),
    "link_score": ("Länkpoäng", "Hur lovande länken såg ut för insamlingen (högre = mer lovande)."),
    "is_program_prob": ("Sannolikhet för program", "Modellens sannolikhet (0-1) att dokumentet är ett program."),
    "draft": ("Utkast", "Dokumentet är ett utkast, en remissversion eller ett förslag."),
    "role": ("Roll", "Vad dokumentet är för kommunens program; se avsnittet Roll."),
    "picked": ("Vald", "SANT för dokumentet som valdes som kommunens program."),
    "related_urls": ("Relaterade länkar", "Adresser till handlingsplan och äldre versioner, åtskilda med \" ; \"."),
    "metric": ("Mått", "Måttets kod; Beskrivning säger vad det räknar."),
    "count": ("Antal", "Antal kommuner som måttet räknar (täljaren)."),
    "denominator": ("Nämnare", "Antal kommuner som procenten räknas av; se Bas (nämnare)."),
    "percent": ("Procent", "Antal delat med nämnaren, i procent med en decimal. Tom när nämnaren är 0."),
    "ci_low": ("Konfidensintervall, nedre (95 %)", "Nedre gränsen för 95 %-intervallet (Wilson), i procent."),
    "ci_high": ("Konfidensintervall, övre (95 %)", "Övre gränsen för 95 %-intervallet (Wilson), i procent."),
    "label": ("Beskrivning", "Vad måttet räknar, på svenska."),
    "base": ("Bas (nämnare)", "Vilka kommuner procenten räknas av; se avsnittet Bas."),
    "change": ("Förändring", "Vad som hänt sedan förra inventeringen; se avsnittet Förändring."),
    "note": ("Kommentar", "Förtydligande av förändringen, t.ex. statusen när ett program inte längre hittas."),
    "alert": ("Larm", "Något att kontrollera för hand."),
    "previous_status": ("Förra statusen", "Status i förra inventeringen."),
    "current_status": ("Nuvarande status", "Status i denna inventering."),
    "previous_title": ("Förra titeln", "Programmets titel i förra inventeringen."),
    "current_title": ("Nuvarande titel", "Programmets titel i denna inventering."),
    "previous_url": ("Förra länken", "Programmets adress i förra inventeringen."),
    "current_url": ("Nuvarande länk", "Programmets adress i denna inventering."),
    "previous_sha256": ("Förra innehållshashen", "Innehållshash för förra inventeringens program."),
    "current_sha256": ("Nuvarande innehållshash", "Innehållshash för denna inventerings program."),
    "previous_period": ("Förra perioden", "Giltighetsperiod (från-till) i förra inventeringen."),
    "current_period": ("Nuvarande perioden", "Giltighetsperiod (från-till) i denna inventering."),
    "previous_year": ("Förra inventeringsåret", "Året för förra inventeringen."),
    "current_year": ("Nuvarande inventeringsår", "Året för denna inventering."),
    "previous_in_force": ("Gällande förra gången", "Programmet gällde i förra inventeringen."),
    "current_in_force": ("Gällande nu", "Programmet gäller i denna inventering."),
    "section": ("Avsnitt", "Vad raden förklarar: en kolumn, ett statusvärde, en tagg eller ett annat värde."),
    "sheet": ("Blad", "Bladet där kolumnen eller värdet finns."),
    "term": ("Namn i arket", "Kolumnrubriken eller värdet som det står i bladet."),
    "csv_name": ("Namn i CSV-filerna", "Samma kolumn eller värde i CSV-filerna och i docs/outputs.md."),
    "explanation": ("Förklaring", "Vad kolumnen eller värdet betyder."),
})  # fmt: skip
SWEDISH_HEADERS: Mapping[str, str] = MappingProxyType({name: header for name, (header, _) in COLUMNS.items()})

# Sheet name (Swedish, <= 31 characters) for each table written by write_outputs.
SHEETS = MappingProxyType({
    "inventory": "Inventering", "summary": "Sammanfattning", "county": "Per län", "changes": "Förändringar",
    "alerts": "Larm", "documents": "Dokument", "links": "Länkar", "glossary": "Förklaringar",
})  # fmt: skip

# The glossary sheet, for analysts who open the workbook without docs/outputs.md.
GLOSSARY_COLUMNS = ("section", "sheet", "term", "csv_name", "explanation")
UNEXPLAINED = "(ingen förklaring ännu)"

FOUND_VIA_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "link": "Genom att följa länkar på kommunens webbplats.",
    "search": "Genom webbplatsens sökruta.",
    "sitemap": "Genom webbplatsens karta över sidor (sitemap.xml).",
    "offsite": "På en annan webbplats än kommunens, dit kommunens webbplats länkade.",
})  # fmt: skip
CRAWL_STATUS_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "found": "Insamlingen sparade minst ett dokument som kan vara programmet (klassningen avgör).",
    "not_found_within_budget": "Insamlingen tog slut (budget, inga fler lovande länkar) utan att något hittades.",
    "blocked_by_robots": "robots.txt förbjöd sidorna som behövdes.",
    "site_unreachable": "Webbplatsen svarade inte (DNS, anslutning, TLS eller tidsgräns).",
    "blocked_by_server": "Servern nekade oss (403/429) hela tiden.",
    "error": "Ett internt fel stoppade insamlingen för kommunen; orsaken står i Orsak.",
})  # fmt: skip
REVIEW_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "is_program": "Sannolikheten att det valda dokumentet är ett program ligger nära modellens gräns.",
    "status": "Ett dokument som bedömdes inte vara ett program var nära gränsen: kommunen kan ha ett program.",
    "program_type": "Programtypen är den mest sannolika av tre men under 0,6.",
    **{t: f"Sannolikheten för taggen \"{REVIEW_LABELS[t]}\" (givet att dokumentet är ett program) ligger nära "
          "taggens gräns eller på andra sidan om den." for t in
       ("rus_link", "intermunicipal_link", "action_plan", "sustainability", "business_collaboration",
        "annual_activities")},
    "too_little_text": "Ett dokument hade för lite text för att bedömas och publiceras därför aldrig som program; "
                       "se documents.csv (roll too_little_text).",
})  # fmt: skip
CHANGE_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "disappeared": "Gällande förra gången; nu hittades inget program (Kommentar anger statusen).",
    "expired": "Gällande förra gången; nu hittat men inte gällande.",
    "new": "Gällande nu men inte förra gången (eller ingen tidigare inventering).",
    "revised": "Gällande båda gångerna, men ett annat dokument med ny titel eller period.",
    "moved": "Gällande båda gångerna, samma program på en ny adress.",
    "unchanged": "Gällande båda gångerna, samma program på samma adress.",
    "absent": "Inte gällande någon av gångerna.",
})  # fmt: skip
ROLE_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "program": "Dokumentet som valdes som kommunens program.",
    "action_plan": "En handlingsplan som hör till programmet.",
    "older_version": "En äldre version av programmet.",
    "draft": "Ett utkast, en remissversion eller ett förslag.",
    "not_program": "Modellen bedömde att dokumentet inte är ett närings- eller tillväxtprogram.",
    "expired": "Ett program vars period har gått ut.",
    "not_started": "Ett antaget program vars period börjar efter inventeringsåret (gäller ännu inte).",
    "too_little_text": "Dokumentet har för lite text för att bedömas; publiceras aldrig som program, granskas.",
    "other_municipality": "Ett dokument om en annan kommun.",
    "duplicate": "Samma innehåll eller samma program som ett annat dokument.",
    "unreadable": "Dokumentet kunde inte läsas (se Orsak).",
})  # fmt: skip
BASE_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "all": "Procenten räknas av alla kommuner i inventeringen.",
    "reached": "Procenten räknas av kommunerna vars webbplats kunde genomsökas.",
    "in_force": "Procenten räknas av kommunerna med gällande program.",
    "none": "Bara ett antal, ingen procent.",
})  # fmt: skip


def glossary(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The glossary sheet for a workbook of ``frames`` (key = sheet name): every column of every sheet and of
    the glossary itself, then the status values, tags, programme types, regional categories and changes."""
    rows: list[tuple[str, str, str, str, str]] = [
        ("Kolumn", sheet, SWEDISH_HEADERS.get(str(c), str(c)), str(c), COLUMNS.get(str(c), ("", UNEXPLAINED))[1])
        for sheet, frame in [*frames.items(), (SHEETS["glossary"], pd.DataFrame(columns=list(GLOSSARY_COLUMNS)))]
        for c in frame.columns
    ]
    inventory, changes, documents = SHEETS["inventory"], SHEETS["changes"], SHEETS["documents"]
    rows.append(("Värde", "", "SANT / FALSKT / tom", "true / false / tom", "Ja / nej / okänt, i alla ja/nej-kolumner."))
    rows += [
        ("Status", inventory, s.label_sv, s.name,
         f"{STATUS_EXPLANATIONS[s.name]} Räknas som nådd: {'ja' if s.reached else 'nej'}.")
        for s in STATUSES
    ]  # fmt: skip
    metric_labels = {m.metric: m.label_sv for m in METRICS}
    rows += [
        ("Tagg", inventory, SWEDISH_HEADERS[t], t,
         f"{COLUMNS[t][1]} I Sammanfattning: \"{metric_labels[t]}\", andel av kommunerna med gällande program "
         "där taggen är SANT (tom = okänt, räknas som nej).")
        for t in COUNTED_TAGS
    ]  # fmt: skip
    words = VALUE_LABELS
    rows += [("Programtyp", inventory, words["program_type"][t], t, metric_labels[f"type_{t}"] + ".")
             for t in PROGRAM_TYPES]
    rows += [("Regional koppling", inventory, words["regional_category"][c], c, metric_labels[f"regional_{c}"] + ".")
             for c in REGIONAL_CATEGORIES]
    rows += [("Hittat via", inventory, words["found_via"][v], v, text) for v, text in FOUND_VIA_EXPLANATIONS.items()]
    rows += [("Insamlingsstatus", inventory, words["crawl_status"][v], v, text)
             for v, text in CRAWL_STATUS_EXPLANATIONS.items()]
    rows += [("Skäl att granska", inventory, REVIEW_LABELS[v], v, text) for v, text in REVIEW_EXPLANATIONS.items()]
    rows += [("Förändring", changes, label, c, CHANGE_EXPLANATIONS.get(c, label + "."))
             for c, label in CHANGES.items()]
    rows += [("Roll", documents, words["role"][v], v, text) for v, text in ROLE_EXPLANATIONS.items()]
    rows += [("Bas", SHEETS["summary"], words["base"][v], v, text) for v, text in BASE_EXPLANATIONS.items()]
    return pd.DataFrame(rows, columns=list(GLOSSARY_COLUMNS))


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


def as_text_frame(df: pd.DataFrame, booleans: tuple[str, str] = ("true", "false")) -> pd.DataFrame:
    """The frame as CSV cells: booleans ``true``/``false`` (or ``booleans``), unknown empty, dicts and lists
    as JSON, text neutralised against formulas. Numbers stay numbers so each writer can format them."""

    def text_cell(value: Any) -> Any:
        if _is_missing(value):
            return pd.NA
        if isinstance(value, bool | np.bool_):
            return booleans[0] if value else booleans[1]
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
    """Write ``path`` (the contract: UTF-8, comma, header, codes) and ``<name>.excel.csv`` for people in
    Swedish Excel (semicolon, decimal comma, UTF-8 with BOM, Swedish headers and words, SANT/FALSKT).
    Returns both paths."""
    path = Path(path)
    cells = as_text_frame(df)
    with _replacing(path) as tmp:
        cells.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")  # RFC 4180: quotes bare CRs
    variant = excel_variant(path)
    people = as_text_frame(for_people(df), booleans=("SANT", "FALSKT"))  # what Swedish Excel reads as booleans
    people = people.rename(columns=lambda c: SWEDISH_HEADERS.get(str(c), str(c)))
    with _replacing(variant) as tmp:
        people.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig", lineterminator="\r\n")
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
    sheets = {SHEETS[name]: for_people(tables[name]) for name in order}
    written.append(write_xlsx({**sheets, SHEETS["glossary"]: glossary(sheets)}, out_dir / "inventory.xlsx"))
    html = render_report(
        year=year, summary=summary, by_county=by_county, changes=changes, links=links, inventory=inventory
    )
    report = out_dir / "report.html"
    with _replacing(report) as tmp:
        tmp.write_text(html, encoding="utf-8")
    written.append(report)
    return written
