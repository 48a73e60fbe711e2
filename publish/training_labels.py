"""export-labels: reviewed documents as training records in the corpus format (/work/shared/corpus/README.md).

A municipality counts as reviewed when the overrides file names it; its picked document, with the
machine's labels corrected by the reviewer, becomes one record. A document the reviewer declared "not a
programme" (status overridden to no_program_found or draft_only) becomes a negative example.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from base.vocabulary import PROGRAMME_STATUSES, TAGS
from publish.overrides import apply_overrides
from publish.stats import as_boolean, regional_category_from_links

log = logging.getLogger(__name__)

LABEL_FIELDS = TAGS
RECORD_FIELDS = (
    "id", "url", "municipality", "text", "chars", "is_program", "program_type", "rus_link", "intermunicipal_link",
    "action_plan", "sustainability", "business_collaboration", "annual_activities", "regional_category",
    "valid_from", "valid_to", "adopted_by", "evidence", "ambiguous", "note", "doc_kind", "same_program_as",
)  # fmt: skip


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NA -> None, numpy numbers -> int/float/bool."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _quotes(evidence: Any) -> dict[str, str]:
    """``{label: quote}`` from the inventory's evidence (dict or JSON; values a quote or {"quote", "page"})."""
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except json.JSONDecodeError:
            return {}
    if not isinstance(evidence, Mapping):
        return {}
    quotes = {}
    for label, item in evidence.items():
        quote = item.get("quote") if isinstance(item, Mapping) else item
        if isinstance(quote, str) and quote.strip():
            quotes[str(label)] = quote
    return quotes


def export_labels(
    inventory: pd.DataFrame, documents_text: Mapping[str, str], overrides: pd.DataFrame
) -> list[dict[str, Any]]:
    """Training records for the reviewed municipalities' documents, in the corpus format.

    Labels are the machine's, corrected by the overrides; unknown labels stay ``None`` for the trainer
    to decide. Evidence keeps only quotes that occur in the text and support a true label. Reviewed
    municipalities without a document or without its text are skipped and logged.
    """
    reviewed = {str(c) for c in overrides["code"]} if len(overrides) else set()
    if not reviewed:
        return []
    corrected = apply_overrides(inventory, overrides)
    corrected = corrected[corrected["code"].astype("str").isin(reviewed)]
    regional = regional_category_from_links(corrected["rus_link"], corrected["intermunicipal_link"])
    booleans = {field: as_boolean(corrected[field]) for field in LABEL_FIELDS if field in corrected.columns}
    records = []
    for label, row in corrected.iterrows():
        sha = row.get("sha256")
        if not isinstance(sha, str) or not sha:
            log.warning("export-labels: %s %s has no document to label; skipped", row["code"], row.get("name"))
            continue
        text = documents_text.get(sha)
        if text is None:
            log.warning("export-labels: no text for document %s of %s; skipped", sha, row["code"])
            continue
        is_program = row["status"] in PROGRAMME_STATUSES
        tags = {f: (_plain(booleans[f][label]) if is_program else False) for f in LABEL_FIELDS if f in booleans}
        category = row.get("regional_category")
        if not isinstance(category, str):
            category = regional[label]
        true_labels = {f for f, v in tags.items() if v is True} | ({"is_program"} if is_program else set())
        evidence = {k: q for k, q in _quotes(row.get("evidence")).items() if k in true_labels and q in text}
        ambiguous = _plain(row.get("ambiguous")) if "ambiguous" in corrected.columns else None
        doc_kind = row.get("doc_kind") if isinstance(row.get("doc_kind"), str) else None
        record = {
            "id": f"{row['code']}-{sha[:12]}",
            "url": _plain(row.get("program_url")),
            "municipality": _plain(row.get("name")),
            "text": text,
            "chars": len(text),
            "is_program": is_program,
            "program_type": _plain(row.get("program_type")) if is_program else None,
            **tags,
            "regional_category": (_plain(category) if is_program else "none"),
            "valid_from": _plain(row.get("valid_from")) if is_program else None,
            "valid_to": _plain(row.get("valid_to")) if is_program else None,
            "adopted_by": _plain(row.get("adopted_by")) if is_program else None,
            "evidence": evidence,
            "ambiguous": bool(ambiguous) if ambiguous is not None else False,
            "note": f"reviewed: {row['override_notes']}",
            "doc_kind": doc_kind or ("program_doc" if is_program else "other"),
            "same_program_as": None,
        }
        records.append({field: record.get(field) for field in RECORD_FIELDS})
    return records


def write_labels(records: Iterable[Mapping[str, Any]], path: Path) -> Path:
    """Write records as JSONL (UTF-8, one object per line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
