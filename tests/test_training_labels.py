from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from base import vocabulary
from publish import training_labels as labels

# The fields of /work/shared/corpus/README.md, in its order.
CORPUS_FIELDS = [
    "id", "url", "municipality", "text", "chars", "is_program", "program_type", "rus_link", "intermunicipal_link",
    "action_plan", "sustainability", "business_collaboration", "annual_activities", "regional_category",
    "valid_from", "valid_to", "adopted_by", "evidence", "ambiguous", "note", "doc_kind", "same_program_as",
]  # fmt: skip

TEXT = "Näringslivsprogram för Alvesta kommun 2019-2022. Till programmet hör en årlig handlingsplan."


def machine_inventory() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "code": ["0764", "0765", "0767", "0760"],
            "name": ["Alvesta", "Älmhult", "Markaryd", "Uppvidinge"],
            "status": ["program_found", "program_found", "no_program_found", "program_found"],
            "program_url": [
                "https://alvesta.example/np.pdf",
                "https://almhult.example/nyhet",
                None,
                "https://u.example",
            ],
            "program_type": ["naringsliv", "annat", None, "annat"],
            "valid_from": [2019, None, None, None],
            "valid_to": [2022, None, None, None],
            "rus_link": [False, None, None, None],
            "intermunicipal_link": [False, None, None, None],
            "action_plan": [True, True, None, None],
            "sustainability": [None, None, None, None],
            "business_collaboration": [False, None, None, None],
            "annual_activities": [False, None, None, None],
            "adopted_by": ["kommunfullmäktige", None, None, None],
            "sha256": ["a" * 64, "b" * 64, None, "d" * 64],
            "evidence": [
                {
                    "action_plan": {"quote": "årlig handlingsplan", "page": 1},
                    "is_program": {"quote": "Näringslivsprogram för Alvesta kommun", "page": 1},
                    "sustainability": {"quote": "hållbar", "page": 4},
                },
                json.dumps({"action_plan": {"quote": "inte i texten", "page": 1}}),
                {},
                {},
            ],  # fmt: skip
            "year": [2025] * 4,
        }
    )
    booleans = ["rus_link", "intermunicipal_link", *vocabulary.COUNTED_TAGS]
    return frame.astype({c: "boolean" for c in booleans} | {"valid_from": "Int64", "valid_to": "Int64"})


def reviewed() -> pd.DataFrame:
    rows = [
        ("0764", "annual_activities", "true", "handlingsplanen är årlig", "Anna"),
        ("0765", "status", "no_program_found", "en nyhet om programmet", "Bo"),
        ("0765", "doc_kind", "news_process", "", "Bo"),
        ("0765", "ambiguous", "ja", "kommunens egen nyhet", "Bo"),
        ("0767", "program_title", "Näringslivsstrategi", "finns bara på papper", "Bo"),
        ("0760", "action_plan", "true", "", "Bo"),
    ]
    return pd.DataFrame(rows, columns=["code", "field", "value", "comment", "reviewer"])


def test_reviewed_documents_become_corpus_records(caplog: pytest.LogCaptureFixture) -> None:
    texts = {"a" * 64: TEXT, "b" * 64: "Nyhet: kommunen har antagit ett nytt program."}
    with caplog.at_level(logging.WARNING, logger="publish.training_labels"):
        records = labels.export_labels(machine_inventory(), texts, reviewed())
    assert [r["id"] for r in records] == ["0764-aaaaaaaaaaaa", "0765-bbbbbbbbbbbb"]
    assert all(list(r) == CORPUS_FIELDS for r in records)
    positive, negative = records
    assert positive["is_program"] is True and positive["program_type"] == "naringsliv"
    assert (positive["annual_activities"], positive["action_plan"], positive["sustainability"]) == (True, True, None)
    assert positive["regional_category"] == "none"
    assert (positive["valid_from"], positive["valid_to"], positive["adopted_by"]) == (2019, 2022, "kommunfullmäktige")
    # Quotes kept only where they support a true label and occur in the text.
    assert positive["evidence"] == {"action_plan": "årlig handlingsplan",
                                    "is_program": "Näringslivsprogram för Alvesta kommun"}  # fmt: skip
    assert positive["chars"] == len(TEXT) and positive["text"] == TEXT
    assert positive["note"] == "reviewed: annual_activities=true (Anna: handlingsplanen är årlig)"
    assert (positive["doc_kind"], positive["ambiguous"], positive["same_program_as"]) == ("program_doc", False, None)

    assert negative["is_program"] is False and negative["program_type"] is None
    assert negative["action_plan"] is False and negative["regional_category"] == "none"
    assert negative["evidence"] == {} and negative["valid_from"] is None
    assert (negative["doc_kind"], negative["ambiguous"]) == ("news_process", True)
    # Markaryd has no document and Uppvidinge's text is missing: skipped, and said so.
    assert "0767 Markaryd has no document" in caplog.text and "no text for document dddd" in caplog.text


def test_nothing_reviewed_exports_nothing() -> None:
    assert labels.export_labels(machine_inventory(), {"a" * 64: TEXT}, reviewed().iloc[0:0]) == []


def test_write_labels_as_jsonl(tmp_path: Path) -> None:
    records = labels.export_labels(machine_inventory(), {"a" * 64: TEXT}, reviewed())
    path = labels.write_labels(records, tmp_path / "labels" / "reviewed.jsonl")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records
    assert "Näringslivsprogram" in lines[0]  # UTF-8, not \u escapes
