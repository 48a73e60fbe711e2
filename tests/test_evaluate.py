"""Tests for classify.evaluate (and the CV and held-out reports of classify.train that use it)."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from base.errors import UsageError
from base.vocabulary import TAGS
from classify.corpus import default_corpus_path, load_corpus
from classify.evaluate import confusion, evaluate, evaluate_corpus, flat_scores, format_table
from classify.model import ProgramModel, load_model
from classify.train import cross_validate, heldout_report, train_payload

_spec = importlib.util.spec_from_file_location("_synthetic", Path(__file__).with_name("test_model.py"))
assert _spec and _spec.loader
_synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_synthetic)
synthetic_records = _synthetic.synthetic_records


def test_confusion_counts_and_scores() -> None:
    m = confusion([True, True, False, False, True], [True, False, True, False, True])
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 1)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4) and m["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert confusion([False], [False])["f1"] == 0.0


@pytest.fixture(scope="module")
def model() -> ProgramModel:
    payload = train_payload(synthetic_records(48, seed=1))
    payload["version"] = "test"
    return ProgramModel(payload)


def test_evaluate_reports_all_and_unambiguous(model: ProgramModel) -> None:
    records = synthetic_records(24, seed=2)
    report = evaluate(model, records)
    assert report["all"]["n"] == 24
    assert report["unambiguous"]["n"] == sum(1 for r in records if not r["ambiguous"])
    assert set(report["all"]["labels"]) == {"is_program", *TAGS}
    assert report["all"]["labels"]["is_program"]["f1"] > 0.8
    assert 0.0 <= report["all"]["program_type"]["accuracy"] <= 1.0
    table = format_table(report)
    for label in ("is_program", *TAGS):
        assert label in table
    assert "unambiguous documents (n=" in table
    cal = report["all"]["calibration"]
    assert 0.0 <= cal["brier"] <= 1.0 and 0.0 <= cal["ece"] <= 1.0
    rv = report["all"]["review"]
    assert rv["wrong_and_flagged"] <= min(rv["wrong_documents"], rv["flagged"])
    assert "review flags" in table
    flat = flat_scores(report)
    assert "all.is_program.f1" in flat and "unambiguous.program_type.accuracy" in flat


def test_cross_validate_on_synthetic_data_beats_dummy() -> None:
    report = cross_validate(synthetic_records(40, seed=3), n_splits=3)
    assert report["folds"] == 3
    ours = report["all"]["labels"]["is_program"]["f1"]
    assert ours > report["dummy"]["stratified"]["is_program"]["f1"]
    assert ours > 0.8


def test_evaluate_corpus_reads_jsonl(tmp_path: Path, model: ProgramModel) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in synthetic_records(8, seed=4)) + "\n", encoding="utf-8")
    assert evaluate_corpus(path, model)["all"]["n"] == 8
    path.write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"c\.jsonl:1: missing fields"):
        evaluate_corpus(path, model)


def _corpus() -> Path:
    path = default_corpus_path()
    if not path.exists():
        pytest.skip(f"development corpus not found at {path} (set KOMMUNPROGRAM_CORPUS)")
    return path


def test_shipped_model_on_the_held_out_part() -> None:
    """The shipped model never saw the held-out part; its report says so and beats the dummy."""
    report = heldout_report(load_model(), load_corpus(_corpus()))
    assert report["all"]["n"] >= 150 and report["new_groups"] == []
    ours = report["all"]["labels"]["is_program"]["f1"]
    assert ours >= 0.7 > report["dummy"]["stratified"]["is_program"]["f1"]


def test_corpus_path_is_overridable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KOMMUNPROGRAM_CORPUS", str(tmp_path))
    assert default_corpus_path() == tmp_path / "dev.jsonl"
    monkeypatch.setenv("KOMMUNPROGRAM_CORPUS", str(tmp_path / "x.jsonl"))
    assert default_corpus_path() == tmp_path / "x.jsonl"
    monkeypatch.delenv("KOMMUNPROGRAM_CORPUS")
    assert default_corpus_path().parts[-3:] == ("shared", "corpus", "dev.jsonl")
    assert "KOMMUNPROGRAM_CORPUS" not in os.environ
