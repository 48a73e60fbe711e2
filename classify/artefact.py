"""The model artefact on disk: read it, check its digest and its structure, or refuse it (``ModelError``).

``classify/model/model.json`` is plain JSON, so loading it runs no code; but a JSON file can still be
changed by hand, truncated, or carry ``NaN`` coefficients that turn every score into ``NaN``. Before
``classify.model`` builds a model from it, this module checks

* the digest: ``model.sha256`` beside ``model.json`` (``sha256sum`` format, written by ``classify.train``)
  must match the file's bytes, so any change after training is caught;
* the structure: every task the model needs, each with its kind, classes, feature blocks
  (``classify.blocks``: vocabulary and idf, specs or signal names), coefficients and intercept, of shapes
  that fit together;
* the classes: ``False``/``True`` for the binary and sentence tasks, the programme types for
  ``program_type``, distinct kinds with a non-empty ``positive`` subset for is_program;
* the specs and signal names: each names a signal the feature code computes, with a known kind and operator;
* the numbers: every weight, coefficient, idf, intercept, calibration and threshold finite.

Every refusal is one line that names the file, the task and what is wrong, and says how to recover.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from base.errors import ModelError
from classify.specs import spec_problem

DIGEST_SUFFIX = ".sha256"
BINARY_CLASSES = ("False", "True")
REQUIRED = ("kind", "classes", "blocks", "coef", "intercept")
TASK_KINDS = ("binary", "sentence", "multinomial")
BLOCK_FIELDS = ("heading", "opening", "body", "location", "sentence")
VOCAB_KINDS = ("char", "stems", "tokens")
RECOVER = "retrain with `make train`, or restore the artefact from git (`git checkout classify/model`)"


def digest_path(model_file: Path) -> Path:
    """``model.json`` -> ``model.sha256`` beside it."""
    return model_file.with_suffix(DIGEST_SUFFIX)


def write_digest(model_file: Path) -> Path:
    """Write the sha256 of ``model_file`` beside it (``sha256sum`` format); returns the digest file."""
    path = digest_path(model_file)
    path.write_text(f"{hashlib.sha256(model_file.read_bytes()).hexdigest()}  {model_file.name}\n", encoding="utf-8")
    return path


def read_artefact(model_file: Path, *, classes: Mapping[str, Collection[str] | None], signals: Collection[str],
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


def find_problem(payload: Mapping[str, Any], *, classes: Mapping[str, Collection[str] | None],
                 signals: Collection[str]) -> str | None:
    """What is wrong with the payload's tasks, or None. ``classes[task]`` None: any distinct labels."""
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


def _task_problem(task: Any, expected: Collection[str] | None, signals: Collection[str]) -> str | None:
    if not isinstance(task, dict):
        return "not an object"
    absent = [key for key in REQUIRED if key not in task]
    if absent:
        return f"lacks {', '.join(absent)}"
    if task["kind"] not in TASK_KINDS:
        return f"kind {task['kind']!r} is not one of {', '.join(TASK_KINDS)}"
    labels = task["classes"]
    if not isinstance(labels, list) or len(set(map(str, labels))) != len(labels) or len(labels) < 2:
        return f"classes {labels!r} are not two or more distinct labels"
    if expected is not None and sorted(map(str, labels)) != sorted(expected):
        return f"classes {labels!r}, expected {sorted(expected)!r}"
    if expected is None:
        positive = task.get("positive")
        if not isinstance(positive, list) or not positive or not set(positive) <= set(labels):
            return f"positive {positive!r} is not a non-empty subset of the classes"
    if not isinstance(task["blocks"], list) or not task["blocks"]:
        return "blocks is not a non-empty list"
    width = 0
    for block in task["blocks"]:
        size, problem = _block_problem(block, signals)
        if problem:
            name = block.get("name") if isinstance(block, dict) else None
            return f"block {name!r}: {problem}"
        width += size
    rows = len(labels) if task["kind"] == "multinomial" and len(labels) > 2 else 1
    for key, shape in {"coef": (rows, width), "intercept": (rows,)}.items():
        problem = _numbers_problem(task[key], shape)
        if problem:
            return f"{key} {problem}"
    problem = _numbers_problem(task.get("threshold", 0.5), ())
    if problem:
        return f"threshold {problem}"
    if not 0.0 < float(task.get("threshold", 0.5)) < 1.0:
        return f"threshold {task['threshold']!r} is not a probability in (0, 1)"
    calibration = task.get("calibration")
    if calibration is not None:
        problem = _numbers_problem(calibration, (2,))
        if problem:
            return f"calibration {problem}"
    return None


def _block_problem(block: Any, signals: Collection[str]) -> tuple[int, str | None]:
    """(number of features, problem or None) of one exported feature block."""
    if not isinstance(block, dict):
        return 0, "not an object"
    if block.get("field") not in BLOCK_FIELDS:
        return 0, f"field {block.get('field')!r} is not one of {', '.join(BLOCK_FIELDS)}"
    problem = _numbers_problem(block.get("weight"), ())
    if problem:
        return 0, f"weight {problem}"
    kind = block.get("kind")
    if kind in VOCAB_KINDS:
        vocabulary = block.get("vocabulary")
        if not isinstance(vocabulary, list) or not all(isinstance(t, str) for t in vocabulary):
            return 0, "vocabulary is not a list of terms"
        if len(set(vocabulary)) != len(vocabulary):
            return 0, "vocabulary repeats a term"
        if "idf" in block or kind != "tokens":
            problem = _numbers_problem(block.get("idf"), (len(vocabulary),))
            if problem:
                return 0, f"idf {problem}"
        ngram = block.get("ngram", [1, 1])
        if (not isinstance(ngram, list) or len(ngram) != 2 or not all(isinstance(n, int) for n in ngram)
                or not 1 <= ngram[0] <= ngram[1] <= 8):
            return 0, f"ngram {ngram!r} is not [low, high] within 1-8"
        return len(vocabulary), None
    if kind == "specs":
        specs = block.get("specs")
        if not isinstance(specs, list):
            return 0, "specs is not a list"
        for spec in specs:
            problem = spec_problem(spec, signals)
            if problem:
                return 0, f"spec {json.dumps(spec, ensure_ascii=False)}: {problem}"
        return len(specs), None
    if kind == "hits":
        names = block.get("names")
        if not isinstance(names, list) or any(n not in signals for n in names):
            return 0, f"names {names!r} are not signals computed by classify/signals.py"
        return len(names), None
    return 0, f"kind {kind!r} is not one of {', '.join((*VOCAB_KINDS, 'specs', 'hits'))}"


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
