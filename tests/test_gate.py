"""Tests for classify.gate: floors pass/fail, no silent lowering (git history), --allow-lower, --raise."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from base.errors import ModelError, UsageError
from classify.corpus import default_corpus_path
from classify.gate import (
    FLOORS_FILE,
    check_lowering,
    check_scores,
    lowering_entries,
    previous_floors,
    raised_floors,
    read_floors,
    run_gate,
)
from classify.train import write_artefact
from inventory.cli import main

_spec = importlib.util.spec_from_file_location("_synthetic", Path(__file__).with_name("test_model.py"))
assert _spec and _spec.loader
_synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_synthetic)


def test_check_scores_pass_and_fail() -> None:
    floors = {"all.is_program.f1": 0.8, "all.rus_link.f1": 0.5}
    assert check_scores({"all.is_program.f1": 0.81, "all.rus_link.f1": 0.5}, floors) == []
    found = check_scores({"all.is_program.f1": 0.79}, floors)
    assert [(f.metric, f.problem) for f in found] == [("all.is_program.f1", "below_floor"),
                                                      ("all.rus_link.f1", "missing_score")]


def test_lowering_needs_a_recorded_reason() -> None:
    before = {"a": 0.9, "b": 0.8}
    assert check_lowering({"a": 0.95, "b": 0.8}, before, []) == []  # raising is free
    found = check_lowering({"a": 0.85}, before, [])
    assert sorted(f.problem for f in found) == ["floor_lowered", "floor_removed"]
    entries = lowering_entries({"a": 0.85}, before, "relabelled corpus", "2026-01-01")
    assert [(e["metric"], e["from"], e["to"]) for e in entries] == [("a", 0.9, 0.85), ("b", 0.8, None)]
    assert check_lowering({"a": 0.85}, before, entries) == []
    blank = [dict(e, reason=" ") for e in entries]
    assert len(check_lowering({"a": 0.85}, before, blank)) == 2  # an empty reason is no reason
    assert check_lowering({"a": 0.1}, None, []) == []  # first version: nothing to compare


def test_raised_floors_only_go_up() -> None:
    assert raised_floors({"a": 0.5, "b": 0.9, "c": 0.1}, {"a": 0.8, "b": 0.85}, margin=0.02) == \
        {"a": 0.78, "b": 0.9, "c": 0.1}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
                        "PATH": "/usr/bin:/bin"})


def test_previous_floors_from_git_history(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {"a": 0.9}, "lowered": []}))
    assert previous_floors(floors) is None  # untracked: nothing committed yet
    _git(tmp_path, "add", "floors.json")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    assert previous_floors(floors) is None  # only version == current
    floors.write_text(json.dumps({"floors": {"a": 0.7}, "lowered": []}))
    assert previous_floors(floors) == {"a": 0.9}  # uncommitted change
    _git(tmp_path, "commit", "-q", "-am", "v2 lowers silently")
    assert previous_floors(floors) == {"a": 0.9}  # still caught after the commit
    findings = check_lowering(read_floors(floors)["floors"], previous_floors(floors), [])
    assert [f.problem for f in findings] == ["floor_lowered"]


def test_read_floors_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "f.json"
    bad.write_text('{"floors": {"a": "high"}}')
    with pytest.raises(UsageError, match="expected"):
        read_floors(bad)
    bad.write_text("{")
    with pytest.raises(UsageError, match="not valid JSON"):
        read_floors(bad)


def test_run_gate_pass_and_fail_on_a_synthetic_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The synthetic corpus's held-out part has 8 programmes; the real one 35.
    monkeypatch.setattr("classify.gate.MIN_SUPPORT", 8)
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in _synthetic.synthetic_records(96, seed=5)) + "\n")
    model = tmp_path / "model"
    write_artefact(corpus, model, with_cv=False)
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {"heldout.all.is_program.f1": 0.5}, "lowered": []}))
    result = run_gate(floors, corpus, report_path=tmp_path / "r.json", model_path=model)
    assert result.code == 0 and result.findings == [] and result.scores["heldout.all.is_program.f1"] >= 0.5
    assert json.loads((tmp_path / "r.json").read_text())["all"]["n"] < 96  # the held-out part only
    floors.write_text(json.dumps({"floors": {"heldout.all.is_program.f1": 1.01}, "lowered": []}))
    result = run_gate(floors, corpus, model_path=model)
    assert result.code == 1 and [f.problem for f in result.findings] == ["below_floor"]
    # A floor on a score with too little held-out support is refused, whatever the score.
    floors.write_text(json.dumps({"floors": {"heldout.unambiguous.rus_link.f1_on_programmes": 0.0}, "lowered": []}))
    result = run_gate(floors, corpus, model_path=model)
    assert [f.problem for f in result.findings] == ["too_little_support"]
    assert main(["gate", "--corpus", str(tmp_path / "missing.jsonl"), "--floors", str(floors)]) == 2


def test_a_model_not_trained_on_the_training_part_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in _synthetic.synthetic_records(96, seed=5)) + "\n")
    other = tmp_path / "other.jsonl"
    other.write_text("\n".join(json.dumps(r) for r in _synthetic.synthetic_records(96, seed=6)) + "\n")
    write_artefact(other, tmp_path / "model", with_cv=False)
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {}, "lowered": []}))
    with pytest.raises(ModelError, match="not trained on the training part"):
        run_gate(floors, corpus, model_path=tmp_path / "model")


def test_shipped_floors_are_valid_and_not_lowered_silently() -> None:
    if not FLOORS_FILE.exists():
        pytest.skip("no shipped floors.json")
    data = read_floors(FLOORS_FILE)
    assert data["floors"]
    assert check_lowering(data["floors"], previous_floors(FLOORS_FILE), data["lowered"]) == []


def test_the_gate_passes_on_the_held_out_part(capsys: pytest.CaptureFixture[str]) -> None:
    """CI runs the gate: the shipped model against its floors on the frozen held-out part."""
    corpus = default_corpus_path()
    if not corpus.exists():
        pytest.skip(f"development corpus not found at {corpus}")
    assert main(["gate", "--corpus", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "gate passed" in out and "unambiguous documents (n=150)" in out
