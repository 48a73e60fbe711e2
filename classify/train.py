"""Train the programme classifier and write the shipped artefact (``python -m classify.train``).

Each task is a stock scikit-learn ``Pipeline`` built by one function (``build_is_program_pipeline``,
``build_tag_pipeline``, ``build_type_pipeline``): tf-idf over stemmed words joined with the task's
domain features, then a class-balanced logistic regression with a fixed ``random_state``. The fitted
pipelines are exported to plain JSON (``classify.model``), with Platt calibration fitted on
out-of-fold scores (GroupKFold by municipality). ``metrics.json`` (cross-validated scores beside a
``DummyClassifier``) and the sha256 of the training data are written next to the model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from classify.artefact import write_digest
from classify.features import (
    HEAD_CHARS,
    TASK_SPECS,
    DomainFeatures,
    StemAnalyzer,
    cap_text,
    signal_table_digest,
)
from classify.model import FORMAT, LABELS, MODEL_DIR, MODEL_FILE, ProgramModel, json_lines
from inventory.errors import UsageError

SEED = 0
N_SPLITS = 5


class HeadStemAnalyzer(StemAnalyzer):
    """Stemmed words of the title area only (for program_type, which is read from the title)."""

    def __call__(self, text: str) -> list[str]:
        return super().__call__(text[:HEAD_CHARS])


# Hyper-parameters, one row per task: (C, weight of the word block, weight of the domain block).
# Chosen by grouped CV on the dev corpus (docs/classifier.md); domain features dominate on purpose.
HYPER: dict[str, tuple[float, float, float]] = {
    "is_program": (0.3, 1.0, 1.0),
    "program_type": (1.0, 0.5, 1.0),
    "rus_link": (3.0, 0.5, 1.0),
    "intermunicipal_link": (3.0, 0.5, 1.0),
    "action_plan": (3.0, 0.5, 1.0),
    "sustainability": (3.0, 0.5, 1.0),
    "business_collaboration": (3.0, 0.5, 1.0),
    "annual_activities": (10.0, 1.0, 1.0),
}


def _pipeline(task: str, analyzer: StemAnalyzer) -> Pipeline:
    c, word_w, spec_w = HYPER[task]
    union = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=2, norm="l2")),
            ("signals", DomainFeatures(task)),
        ],
        transformer_weights={"words": word_w, "signals": spec_w},
    )
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)
    return Pipeline([("features", union), ("clf", clf)])


def build_is_program_pipeline() -> Pipeline:
    return _pipeline("is_program", StemAnalyzer())


def build_tag_pipeline(label: str) -> Pipeline:
    if label not in LABELS:
        raise ValueError(f"unknown tag {label!r}; expected one of {LABELS}")
    return _pipeline(label, StemAnalyzer())


def build_type_pipeline() -> Pipeline:
    return _pipeline("program_type", HeadStemAnalyzer())


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def default_corpus_path() -> Path:
    """``$KOMMUNPROGRAM_CORPUS`` or ``../shared/corpus/dev.jsonl`` relative to the repository root."""
    env = os.environ.get("KOMMUNPROGRAM_CORPUS")
    if env:
        p = Path(env)
        return p / "dev.jsonl" if p.is_dir() else p
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev.jsonl"


REQUIRED = ("id", "text", "is_program", "program_type", *LABELS)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    records = []
    for lineno, rec in json_lines(path, "corpus"):
        missing = [k for k in REQUIRED if k not in rec]
        if missing:
            raise UsageError(f"{path}:{lineno}: missing fields {missing}")
        records.append(rec)
    if not records:
        raise UsageError(f"{path}: no records")
    return records


def corpus_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def groups_of(records: Sequence[dict[str, Any]]) -> list[str]:
    """CV groups: the municipality; a document about no municipality is its own group."""
    return [r.get("municipality") or f"id:{r['id']}" for r in records]


def model_text(rec: dict[str, Any]) -> str:
    return cap_text(rec["text"])


# --------------------------------------------------------------------------------------------
# Fitting and export
# --------------------------------------------------------------------------------------------


def export_pipeline(pipe: Pipeline) -> dict[str, Any]:
    """A fitted pipeline as plain JSON for ``classify.model.LinearTask``."""
    union: FeatureUnion = pipe.named_steps["features"]
    vec: TfidfVectorizer = union.transformer_list[0][1]
    dom: DomainFeatures = union.transformer_list[1][1]
    clf: LogisticRegression = pipe.named_steps["clf"]
    weights = union.transformer_weights or {}
    vocab = sorted(vec.vocabulary_, key=lambda t: vec.vocabulary_[t])
    classes = [str(c) for c in clf.classes_]
    return {
        "classes": classes,
        "vocabulary": vocab,
        "idf": [round(float(v), 6) for v in vec.idf_],
        "word_weight": float(weights.get("words", 1.0)),
        "head_only": isinstance(vec.analyzer, HeadStemAnalyzer),
        "specs": dom.specs_,
        "spec_weight": float(weights.get("signals", 1.0)),
        "coef": [[round(float(v), 6) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 6) for v in clf.intercept_],
        "calibration": None,
        "threshold": 0.5,
    }


def _fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling on out-of-fold decision scores (a, b in sigmoid(a*s + b))."""
    if len(set(y.tolist())) < 2:
        return (1.0, 0.0)
    lr = LogisticRegression(C=1.0, random_state=SEED).fit(scores.reshape(-1, 1), y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    # Tiny folds can give a flat or inverted fit; then keep the uncalibrated logistic output.
    return (a, b) if a > 0.05 else (1.0, 0.0)


def _oof_scores(
    build: Any, texts: list[str], y: np.ndarray, groups: list[str], n_splits: int = N_SPLITS
) -> np.ndarray:
    """Out-of-fold decision scores with GroupKFold; folds lacking a class fall back to the prior."""
    n_splits = min(n_splits, len(set(groups)))
    scores = np.zeros(len(texts))
    if n_splits < 2:
        return scores
    for tr, te in GroupKFold(n_splits=n_splits).split(texts, y, groups):
        if len(set(y[tr].tolist())) < 2:
            scores[te] = 1.0 if y[tr][0] else -1.0
            continue
        pipe = build().fit([texts[i] for i in tr], y[tr])
        scores[te] = pipe.decision_function([texts[i] for i in te])
    return scores


def _binary_task(
    build: Any, texts: list[str], y: np.ndarray, groups: list[str], calibrate: bool, n_splits: int
) -> dict:
    if len(set(y.tolist())) < 2:
        raise UsageError(f"training data has only one class for a task ({sorted(set(y.tolist()))})")
    pipe = build().fit(texts, y)
    exported = export_pipeline(pipe)
    if calibrate:
        a, b = _fit_platt(_oof_scores(build, texts, y, groups, n_splits), y)
        exported["calibration"] = [round(a, 6), round(b, 6)]
        # Decide at the class-balanced boundary (score 0): F1 on rare tags needs it; the calibrated
        # probability there is the threshold, so "p >= threshold" and the confidence agree.
        exported["threshold"] = round(1.0 / (1.0 + math.exp(-b)), 6)
    return exported


def train_payload(
    records: Sequence[dict[str, Any]], *, calibrate: bool = True, n_splits: int = N_SPLITS
) -> dict[str, Any]:
    """Fit every task on ``records`` and return the JSON artefact (without version metadata).

    ``n_splits`` is the number of grouped folds whose out-of-fold scores fit the calibration."""
    texts = [model_text(r) for r in records]
    groups = groups_of(records)
    y_prog = np.array([bool(r["is_program"]) for r in records])
    tasks: dict[str, Any] = {
        "is_program": _binary_task(build_is_program_pipeline, texts, y_prog, groups, calibrate, n_splits)
    }
    # Tags and type are defined for programmes only: train them on the programmes.
    idx = [i for i, r in enumerate(records) if r["is_program"]]
    p_texts = [texts[i] for i in idx]
    p_groups = [groups[i] for i in idx]
    for label in LABELS:
        y = np.array([bool(records[i][label]) for i in idx])
        tasks[label] = _binary_task(lambda label=label: build_tag_pipeline(label), p_texts, y, p_groups,
                                    calibrate, n_splits)
    y_type = np.array([records[i]["program_type"] or "annat" for i in idx])
    tasks["program_type"] = export_pipeline(build_type_pipeline().fit(p_texts, y_type))
    return {
        "format": FORMAT,
        "version": "untrained",
        "signals_digest": signal_table_digest(),
        "task_specs_digest": hashlib.sha256(json.dumps(TASK_SPECS, ensure_ascii=False).encode()).hexdigest()[:16],
        "tasks": tasks,
    }


def train_model(
    records: Sequence[dict[str, Any]], *, calibrate: bool = True, n_splits: int = N_SPLITS
) -> ProgramModel:
    return ProgramModel(train_payload(records, calibrate=calibrate, n_splits=n_splits))


def write_artefact(corpus: Path, out_dir: Path, *, with_cv: bool = True) -> dict[str, Any]:
    """Train on ``corpus``, write model.json, metrics.json and training_data.sha256 into ``out_dir``."""
    from classify.evaluate import cross_validate

    records = load_corpus(corpus)
    digest = corpus_digest(corpus)
    payload = train_payload(records)
    # date + training-data digest prefix + model digest prefix: retraining with other code on the same
    # data the same day still gives a new version.
    model_digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    payload["version"] = f"{dt.date.today().isoformat()}+{digest[:8]}.{model_digest[:6]}"
    payload["training_data"] = {"sha256": digest, "documents": len(records), "file": corpus.name}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n",
                                      encoding="utf-8")
    write_digest(out_dir / MODEL_FILE)  # checked at load: a change after training is refused
    (out_dir / "training_data.sha256").write_text(f"{digest}  {corpus.name}\n", encoding="utf-8")
    metrics: dict[str, Any] = {"version": payload["version"], "training_data_sha256": digest}
    if with_cv:
        metrics["cross_validation"] = cross_validate(records)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classify.train", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="labelled JSONL (default: shared corpus)")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="artefact directory")
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated metrics")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus_path()
    try:
        metrics = write_artefact(corpus, args.out, with_cv=not args.no_cv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out / MODEL_FILE} version {metrics['version']}")
    if "cross_validation" in metrics:
        from classify.evaluate import format_table

        print(format_table(metrics["cross_validation"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
