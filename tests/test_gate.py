"""Tests for classify.gate: floors pass/fail, no silent lowering (git history), --allow-lower, --raise."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

from classify.gate import (
    FLOORS_FILE,
    check_lowering,
    check_scores,
    lowering_entries,
    main,
    previous_floors,
    raised_floors,
    read_floors,
    run_gate,
)
from classify.train import default_corpus_path
from inventory.errors import UsageError

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


def test_run_gate_pass_and_fail_on_a_synthetic_corpus(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in _synthetic.synthetic_records(30, seed=5)) + "\n")
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"floors": {"all.is_program.f1": 0.5}, "lowered": []}))
    code, findings, scores = run_gate(floors, corpus, report_path=tmp_path / "r.json", n_splits=2)
    assert code == 0 and findings == [] and scores["all.is_program.f1"] >= 0.5
    assert json.loads((tmp_path / "r.json").read_text())["folds"] >= 2
    floors.write_text(json.dumps({"floors": {"all.is_program.f1": 1.01}, "lowered": []}))
    assert main(["--corpus", str(corpus), "--floors", str(floors), "--folds", "2"]) == 1
    assert "gate FAILED" in capsys.readouterr().out
    assert main(["--corpus", str(tmp_path / "missing.jsonl"), "--floors", str(floors)]) == 2


def test_shipped_floors_are_valid_and_not_lowered_silently() -> None:
    if not FLOORS_FILE.exists():
        pytest.skip("no shipped floors.json")
    data = read_floors(FLOORS_FILE)
    assert data["floors"]
    assert check_lowering(data["floors"], previous_floors(FLOORS_FILE), data["lowered"]) == []


@pytest.mark.slow
def test_full_gate_on_the_dev_corpus() -> None:
    corpus = default_corpus_path()
    if not corpus.exists():
        pytest.skip(f"development corpus not found at {corpus}")
    assert main(["--corpus", str(corpus)]) == 0
