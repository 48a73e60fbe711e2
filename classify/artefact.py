"""The model artefact on disk: read it, check its digest and its structure, or refuse it (``ModelError``).

``classify/model/model.json`` is plain JSON, so loading it runs no code; but a JSON file can still be
changed by hand, truncated, or carry ``NaN`` coefficients that turn every score into ``NaN``. Before
``classify.model`` builds a model from it, this module checks

* the digest: ``model.sha256`` beside ``model.json`` (``sha256sum`` format, written by ``classify.train``)
  must match the file's bytes, so any change after training is caught;
* the structure: every task the model needs, each with its classes, vocabulary, idf, specs,
  coefficients and intercept, of shapes that fit together;
* the classes: ``False``/``True`` for the binary tasks, the programme types for ``program_type``;
* the specs: each names a signal the feature code computes, with a known kind and operator;
* the numbers: every weight, coefficient, idf, intercept, calibration and threshold finite.

Every refusal is one line that names the file, the task and what is wrong, and says how to recover.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inventory.errors import ModelError

DIGEST_SUFFIX = ".sha256"
BINARY_CLASSES = ("False", "True")
SPEC_KINDS = ("log", "has", "many")
SPEC_OPERATORS = ("any", "all", "not")
REQUIRED = ("classes", "vocabulary", "idf", "word_weight", "specs", "spec_weight", "coef", "intercept")
RECOVER = "retrain with `make train`, or restore the artefact from git (`git checkout classify/model`)"


def digest_path(model_file: Path) -> Path:
    """``model.json`` -> ``model.sha256`` beside it."""
    return model_file.with_suffix(DIGEST_SUFFIX)


def write_digest(model_file: Path) -> Path:
    """Write the sha256 of ``model_file`` beside it (``sha256sum`` format); returns the digest file."""
    path = digest_path(model_file)
    path.write_text(f"{hashlib.sha256(model_file.read_bytes()).hexdigest()}  {model_file.name}\n", encoding="utf-8")
    return path


def read_artefact(model_file: Path, *, classes: Mapping[str, Collection[str]], signals: Collection[str],
                  fmt: str) -> dict[str, Any]:
    """The checked payload of ``model_file``. ``classes``: task -> its class labels (every task required);
    ``signals``: the signal names the feature code computes; ``fmt``: the artefact format expected."""
    try:
        raw = model_file.read_bytes()
    except OSError as exc:
        raise ModelError(f"model artefact not found at {model_file}: run `make train` ({exc.strerror})") from exc
    check_digest(model_file, raw)
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"model artefact {model_file} is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ModelError(f"model artefact {model_file} is not a JSON object")
    if payload.get("format") != fmt:  # before the tasks: another format has other tasks
        raise ModelError(f"unsupported model format {payload.get('format')!r}; expected {fmt!r}")
    problem = find_problem(payload, classes=classes, signals=signals)
    if problem:
        raise ModelError(f"model artefact {model_file} is unusable: {problem}; {RECOVER}")
    return payload


def check_digest(model_file: Path, raw: bytes) -> None:
    path = digest_path(model_file)
    try:
        recorded = path.read_text(encoding="utf-8").split()[0].lower()
    except (OSError, IndexError):
        raise ModelError(f"model artefact {model_file} has no digest ({path.name} beside it is missing or empty); "
                         f"{RECOVER}") from None
    actual = hashlib.sha256(raw).hexdigest()
    if recorded != actual:
        raise ModelError(f"model artefact {model_file} was changed after training (sha256 {actual[:12]}, "
                         f"{path.name} says {recorded[:12]}); {RECOVER}")


def find_problem(payload: Mapping[str, Any], *, classes: Mapping[str, Collection[str]],
                 signals: Collection[str]) -> str | None:
    """What is wrong with the payload's tasks, or None."""
    tasks = payload.get("tasks")
    if not isinstance(tasks, dict):
        return "no 'tasks' object"
    missing = sorted(set(classes) - set(tasks))
    if missing:
        return f"tasks missing: {', '.join(missing)}"
    for name, expected in classes.items():
        problem = _task_problem(tasks[name], expected, signals)
        if problem:
            return f"task {name}: {problem}"
    return None


def _task_problem(task: Any, expected: Collection[str], signals: Collection[str]) -> str | None:
    if not isinstance(task, dict):
        return "not an object"
    absent = [key for key in REQUIRED if key not in task]
    if absent:
        return f"lacks {', '.join(absent)}"
    labels = task["classes"]
    if not isinstance(labels, list) or sorted(map(str, labels)) != sorted(expected) or len(set(labels)) != len(labels):
        return f"classes {labels!r}, expected {sorted(expected)!r}"
    vocabulary, specs = task["vocabulary"], task["specs"]
    if not isinstance(vocabulary, list) or not all(isinstance(t, str) for t in vocabulary):
        return "vocabulary is not a list of terms"
    if len(set(vocabulary)) != len(vocabulary):
        return "vocabulary repeats a term"
    if not isinstance(specs, list):
        return "specs is not a list"
    for spec in specs:
        problem = spec_problem(spec, signals)
        if problem:
            return f"spec {json.dumps(spec, ensure_ascii=False)}: {problem}"
    rows = 1 if len(labels) == 2 else len(labels)
    shapes = {"idf": (len(vocabulary),), "coef": (rows, len(vocabulary) + len(specs)), "intercept": (rows,)}
    for key, shape in shapes.items():
        problem = _numbers_problem(task[key], shape)
        if problem:
            return f"{key} {problem}"
    scalars = {"word_weight": task["word_weight"], "spec_weight": task["spec_weight"],
               "threshold": task.get("threshold", 0.5)}
    for key, value in scalars.items():
        problem = _numbers_problem(value, ())
        if problem:
            return f"{key} {problem}"
    if not 0.0 < float(task.get("threshold", 0.5)) < 1.0:
        return f"threshold {task['threshold']!r} is not a probability in (0, 1)"
    calibration = task.get("calibration")
    if calibration is not None:
        problem = _numbers_problem(calibration, (2,))
        if problem:
            return f"calibration {problem}"
    return None


def _numbers_problem(value: Any, shape: tuple[int, ...]) -> str | None:
    if isinstance(value, bool) or (isinstance(value, list) and any(isinstance(v, bool) for v in value)):
        return "holds booleans, not numbers"
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return "is not numeric"
    if array.shape != shape:
        return f"has shape {array.shape}, expected {shape}"
    if not np.isfinite(array).all():
        return "holds NaN or infinite values"
    return None


def spec_problem(spec: Any, signals: Collection[str]) -> str | None:
    """What is wrong with one domain-feature spec (``"kind:signal"`` or ``[op, spec, ...]``), or None."""
    if isinstance(spec, str):
        kind, sep, name = spec.partition(":")
        if not sep or kind not in SPEC_KINDS:
            return f"kind {kind!r} is not one of {', '.join(SPEC_KINDS)}"
        if name not in signals:
            return f"signal {name!r} is not computed by classify/features.py"
        return None
    if not isinstance(spec, list) or not spec or spec[0] not in SPEC_OPERATORS:
        return f"operator is not one of {', '.join(SPEC_OPERATORS)}"
    args: Sequence[Any] = spec[1:]
    if not args or (spec[0] == "not" and len(args) != 1):
        return f"{spec[0]!r} has {len(args)} argument(s)"
    return next((p for p in (spec_problem(a, signals) for a in args) if p), None)
