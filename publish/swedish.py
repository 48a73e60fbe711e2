"""Swedish words for the codes people read in the XLSX, the ``.excel.csv`` files and the report.

The plain CSVs keep the codes (the contract); docs/outputs.md, "Swedish for people, codes for programs".
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pandas as pd

from base.vocabulary import STATUSES
from publish.changes import CHANGES

# column -> code -> word; the glossary sheet (outputs.glossary) lists every pair.
_STATUS_WORDS = {s.name: s.label_sv for s in STATUSES}
VALUE_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "status": _STATUS_WORDS, "previous_status": _STATUS_WORDS, "current_status": _STATUS_WORDS,
    "program_type": {"naringsliv": "Näringslivsprogram/-strategi", "tillvaxt": "Tillväxtprogram/-strategi",
                     "annat": "Annat namn"},
    "regional_category": {"none": "Ingen regional koppling", "rus": "Regional utvecklingsstrategi (RUS)",
                          "intermunicipal": "Mellankommunal samverkan"},
    "found_via": {"link": "Länk", "search": "Sökrutan", "sitemap": "Webbplatskartan (sitemap)",
                  "offsite": "Annan webbplats"},
    "crawl_status": {"found": "Kandidat hittad", "not_found_within_budget": "Inget hittat inom budgeten",
                     "blocked_by_robots": "Stoppad av robots.txt", "site_unreachable": "Webbplatsen kunde inte nås",
                     "blocked_by_server": "Stoppad av servern (403/429)", "error": "Fel vid insamlingen"},
    "role": {"program": "Programmet", "action_plan": "Handlingsplan", "older_version": "Äldre version",
             "draft": "Utkast eller förslag", "not_program": "Inte ett program", "expired": "Utgånget",
             "not_started": "Har inte börjat gälla", "other_municipality": "Annan kommuns dokument",
             "duplicate": "Dubblett", "unreadable": "Oläsbart", "too_little_text": "För lite text"},
    "change": dict(CHANGES),
    "base": {"all": "Alla kommuner", "reached": "Nådda kommuner", "in_force": "Kommuner med gällande program",
             "none": "Bara antal"},
})  # fmt: skip
# Which glossary section explains each translated column's values.
VALUE_SECTIONS = MappingProxyType({
    "status": "Status", "program_type": "Programtyp", "regional_category": "Regional koppling",
    "found_via": "Hittat via", "crawl_status": "Insamlingsstatus", "role": "Roll", "change": "Förändring",
    "base": "Bas",
})  # fmt: skip
# The labels of review_reasons, in Swedish: the model's labels, plus the status decision.
REVIEW_LABELS = MappingProxyType({
    "is_program": "Är ett program", "program_type": "Programtyp", "status": "Status (nästan ett program)",
    "rus_link": "Koppling till RUS", "intermunicipal_link": "Mellankommunal koppling",
    "action_plan": "Handlingsplan", "sustainability": "Hållbarhet betonas",
    "business_collaboration": "Framtaget med näringslivet", "annual_activities": "Årliga aktiviteter",
    "too_little_text": "Dokument med för lite text för att bedöma",
})  # fmt: skip


def review_reasons_sv(value: Any) -> Any:
    """``is_program 0.58; sustainability 0.46`` -> ``Är ett program 0,58; Hållbarhet betonas 0,46``."""
    if not isinstance(value, str) or not value:
        return value
    parts = []
    for reason in value.split("; "):
        label, _, probability = reason.rpartition(" ")
        parts.append(f"{REVIEW_LABELS.get(label, label)} {probability.replace('.', ',')}" if label
                     else REVIEW_LABELS.get(reason, reason))
    return "; ".join(parts)


def for_people(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with Swedish words instead of codes in the columns of ``VALUE_LABELS`` and in review_reasons;
    unknown codes stay as they are, so nothing is lost."""
    updates: dict[str, pd.Series] = {
        column: df[column].map(lambda v, words=words: words.get(v, v) if isinstance(v, str) else v)
        for column, words in VALUE_LABELS.items() if column in df.columns
    }
    if "review_reasons" in df.columns:
        updates["review_reasons"] = df["review_reasons"].map(review_reasons_sv)
    return df.assign(**updates) if updates else df.copy()


# What each status means beyond its short label in base.vocabulary.STATUSES (docs/outputs.md, "Status values").
STATUS_EXPLANATIONS: Mapping[str, str] = MappingProxyType({
    "program_found": "Ett program för kommunen hittades, gällande eller inte (se Gällande).",
    "no_program_found": "Webbplatsen genomsöktes inom budgeten utan att något program hittades.",
    "draft_only": "Bara ett utkast, en remissversion eller ett förslag hittades.",
    "expired_only": "Bara program vars period har gått ut (och inte förlängts) hittades.",
    "site_unreachable": "Webbplatsen svarade inte (DNS, anslutning, TLS eller tidsgräns).",
    "blocked_by_robots": "robots.txt förbjöd sidorna som behövdes och inget hittades på annat sätt.",
    "blocked_by_server": "Servern nekade oss (403/429) hela tiden.",
    "needs_ocr": "Ett dokument som ser ut att vara programmet är en skannad PDF som inte kunde läsas utan OCR "
                 "(Tesseract); dokumentet står i Dokument som behöver OCR.",
    "error": "Något annat gick fel; orsaken står i Orsak och i körningens logg.",
})  # fmt: skip
