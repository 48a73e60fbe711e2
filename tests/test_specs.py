"""Tests for classify.specs: the rule language over signal counts, and the specs of each task."""

from __future__ import annotations

from typing import Any

import pytest

from base.vocabulary import TAGS
from classify.signals import signal_counts
from classify.specs import TAG_TASKS, TASK_SPECS, eval_spec, spec_problem


def test_eval_spec_operators() -> None:
    counts = {"a": 3, "b": 0}
    assert eval_spec("has:a", counts) == 1.0
    assert eval_spec("many:a", counts) == 1.0
    assert eval_spec("log:b", counts) == 0.0
    assert eval_spec(["all", "has:a", ["not", "has:b"]], counts) == 1.0
    assert eval_spec(["any", "has:b", ["not", "has:a"]], counts) == 0.0
    with pytest.raises(ValueError, match="unknown spec kind 'max'"):
        eval_spec("max:a", counts)
    with pytest.raises(ValueError, match="unknown spec operator 'xor'"):
        eval_spec(["xor", "has:a"], counts)


def test_every_task_spec_evaluates() -> None:
    counts = signal_counts("Näringslivsstrategi 2020-2024 antagen av kommunfullmäktige i Mora kommun.")
    for task, specs in TASK_SPECS.items():
        values = [eval_spec(s, counts) for s in specs]
        assert all(v >= 0 for v in values), task


def test_every_task_spec_names_a_computed_signal() -> None:
    computed = frozenset(signal_counts(""))
    assert set(TAG_TASKS) == set(TAGS)
    for task, specs in TASK_SPECS.items():
        assert [p for p in (spec_problem(s, computed) for s in specs) if p] == [], task


@pytest.mark.parametrize(("spec", "ok"), [
    ("has:a", True), (["any", "has:a", ["not", "log:a"]], True), ("has:zz", False), ("exp:a", False),
    (["xor", "has:a"], False), (["not", "has:a", "has:a"], False), ([], False), (3, False),
])
def test_spec_problem(spec: Any, ok: bool) -> None:
    assert (spec_problem(spec, {"a"}) is None) is ok
