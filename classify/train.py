"""Train the programme classifier on the training part of the corpus (``kommunprogram train``).

Each task is a stock scikit-learn ``Pipeline`` built by one function:

* ``build_is_program_pipeline``: a multinomial logistic regression over *what kind of document* it is
  (the programme itself, its page, its announcement; or a party programme, third-party news, a draft or
  process, a regional strategy, another policy area ...: the corpus's ``doc_kind`` grouped in
  ``KIND_CLASSES``). P(programme) is the sum over the programme classes. Splitting the negatives into
  coherent kinds gives each boundary less to learn than one "everything else" class.
* ``build_tag_pipeline``: one binary model per tag, over the programmes.
* ``build_sentence_pipeline``: a tag that one sentence states ("developed in dialogue with business") is
  learned per sentence from the labellers' quotes; the document's score is its best sentence's.
* ``build_type_pipeline``: the programme type from the opening lines.

Features are the document's view (``classify.document``): heading, opening and body as character
n-grams and stems, where it sits (host and section), and the domain specs. Probabilities are calibrated
by Platt scaling on out-of-fold scores (GroupKFold by municipality); the fitted pipelines are exported
to plain JSON (``classify.blocks``) with the training part's digest and the cross-validated metrics.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from base.errors import UsageError
from base.vocabulary import TAGS
from classify.artefact import write_digest
from classify.blocks import (
    Field,
    char_block,
    export_union,
    hits_block,
    specs_block,
    stems_block,
    tokens_block,
)
from classify.corpus import corpus_view, doc_input, load_corpus, records_digest
from classify.document import DocView
from classify.evaluate import dummy_baselines, score
from classify.model import FORMAT, MODEL_FILE, RULES, Prediction, ProgramModel
from classify.signals import HEAD_CHARS, signal_table_digest
from classify.specs import TASK_SIGNALS, TASK_SPECS
from classify.split import groups_of, partition
from classify.text import StemAnalyzer, normalize, split_sentences

SEED = 0
N_SPLITS = 5

# The corpus's doc_kind grouped by what makes a document not a programme. A programme's own documents
# keep their role (the document, its page, its announcement); everything else is one negative kind.
KIND_CLASSES: dict[str, str] = {
    "program_doc": "programme", "program_doc_stub": "programme", "action_plan": "programme",
    "program_page": "programme_page", "program_subpage": "programme_page",
    "announcement": "programme_news",
    "party": "party", "opinion": "party",
    "news_thirdparty": "third_party", "news_ranking": "third_party", "business_org": "third_party",
    "leader": "third_party", "arena": "third_party",
    "news_process": "process", "news_event": "event", "municipal_newsletter": "event",
    "rus_regional": "regional", "regional_other": "regional", "regional_cooperation_page": "regional",
    "intermunicipal": "regional", "agency": "regional",
    "report_research": "report", "follow_up_report": "report", "revision": "report", "annual_report": "report",
    "minutes_memo": "report",
    "foreign": "foreign",
    "landsbygd": "other_area", "miljo": "other_area", "kultur": "other_area", "besoksnaring": "other_area",
    "planning_project": "other_area",
    "op": "vision", "vision_goals_budget": "vision", "municipal_development_strategy": "vision",
    "municipal_business_page": "business_page", "municipal_business_company": "business_page",
}
PROGRAMME_KINDS = ("programme", "programme_page", "programme_news")

# Tags stated by one sentence are learned per sentence (chosen by grouped CV on the training part:
# business_collaboration F1 0.70 per document, 0.82 per sentence); the others need the whole text.
SENTENCE_TAGS = ("business_collaboration",)

# (C, word/char block weight) per task, chosen by grouped CV on the training part (docs/classifier.md).
HYPER: dict[str, tuple[float, float]] = {
    "is_program": (0.3, 1.0),
    "program_type": (1.0, 0.5),
    "tag": (3.0, 0.5),
    "sentence": (1.0, 1.0),
}


def kind_class(rec: dict[str, Any]) -> str:
    if rec["is_program"]:
        kind = KIND_CLASSES.get(rec.get("doc_kind") or "", "programme")
        return kind if kind in PROGRAMME_KINDS else "programme"
    kind = KIND_CLASSES.get(rec.get("doc_kind") or "", "other")
    return "other" if kind in PROGRAMME_KINDS else kind


# -- pipelines -----------------------------------------------------------------------------------


def _logreg(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=SEED)


def build_is_program_pipeline(domain_specs: bool = True) -> Pipeline:
    """``domain_specs=False`` leaves out the hand-written signal specs (the text-only alternative)."""
    c, w = HYPER["is_program"]
    blocks = [
        # Capped vocabularies: grouped CV on the training part scored the same with 2,000 terms as with all,
        # and the artefact stays small.
        ("heading", char_block("heading", max_features=2000)),
        ("opening", char_block("opening", max_features=3000)),
        ("body", stems_block("body")),
        ("where", tokens_block("location")),
    ]
    if domain_specs:
        blocks.append(("specs", specs_block("is_program")))
    weights = {"heading": w, "opening": w, "body": w, "specs": 1.0, "where": 1.0}
    union = FeatureUnion(blocks, transformer_weights={name: weights[name] for name, _ in blocks})
    return Pipeline([("features", union), ("clf", _logreg(c))])


def build_tag_pipeline(label: str) -> Pipeline:
    if label not in TAGS:
        raise ValueError(f"unknown tag {label!r}; expected one of {TAGS}")
    c, w = HYPER["tag"]
    union = FeatureUnion([("body", stems_block("body")), ("specs", specs_block(label))],
                         transformer_weights={"body": w, "specs": 1.0})
    return Pipeline([("features", union), ("clf", _logreg(c))])


def build_sentence_pipeline(label: str) -> Pipeline:
    if label not in TAGS:
        raise ValueError(f"unknown tag {label!r}; expected one of {TAGS}")
    c, w = HYPER["sentence"]
    union = FeatureUnion([("sentence", char_block("sentence", (3, 5), 5000)),
                          ("hits", hits_block(TASK_SIGNALS[label]))],
                         transformer_weights={"sentence": w, "hits": 1.0})
    return Pipeline([("features", union), ("clf", _logreg(c))])


def build_type_pipeline() -> Pipeline:
    c, w = HYPER["program_type"]
    union = FeatureUnion([("opening", Pipeline([("field", Field("opening")), ("vec", TfidfVectorizer(
                              analyzer=StemAnalyzer(), min_df=2, sublinear_tf=True))])),
                          ("specs", specs_block("program_type", "opening"))],
                         transformer_weights={"opening": w, "specs": 1.0})
    return Pipeline([("features", union), ("clf", _logreg(c))])


# -- sentences for the sentence-level tags --------------------------------------------------------


def sentences_of(v: DocView) -> list[str]:
    return split_sentences(v.body)


def _same(a: str, b: str) -> bool:
    wa, wb = set(normalize(a).split()), set(normalize(b).split())
    if not wa or not wb:
        return False
    na, nb = " ".join(normalize(a).split()), " ".join(normalize(b).split())
    return nb in na or na in nb or len(wa & wb) / min(len(wa), len(wb)) >= 0.6


def sentence_examples(recs: Sequence[dict[str, Any]], views: Sequence[DocView],
                      label: str) -> tuple[list[str], np.ndarray]:
    """Every sentence of the programmes; positive where it is the labeller's quote for ``label``."""
    xs: list[str] = []
    ys: list[bool] = []
    for rec, v in zip(recs, views, strict=True):
        quote = (rec.get("evidence") or {}).get(label) if rec.get(label) else None
        for s in sentences_of(v):
            xs.append(s)
            ys.append(bool(quote) and _same(s, str(quote)))
    return xs, np.array(ys)


# -- fitting -------------------------------------------------------------------------------------


def _fit_platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling on out-of-fold scores: (a, b) in sigmoid(a * s + b)."""
    if len(set(y.tolist())) < 2:
        return (1.0, 0.0)
    lr = LogisticRegression(C=1.0, random_state=SEED).fit(scores.reshape(-1, 1), y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    # Tiny folds can give a flat or inverted fit; then keep the uncalibrated scores.
    return (a, b) if a > 0.05 else (1.0, 0.0)


def _sigmoid(x: np.ndarray | float) -> Any:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


# Out-of-fold F1 is flat over a wide band of thresholds on a corpus this size; within this much of the
# best, the lowest threshold is taken: a missed programme costs an analyst more than a reviewed false one.
F1_TOLERANCE = 0.02
# ... but never below 0.4. The calibration is fitted where a fifth of the documents are programmes; a crawl
# scores a hundred pages for each programme, so a lower bar publishes news items and hub pages. Chosen on
# the cross-fitted web of the training part (docs/classifier.md, "Thresholds"): 0.4 had the best status
# accuracy and summary figures there, against 0.29 (the out-of-fold F1 threshold) and 0.5.
MIN_PROGRAMME_THRESHOLD = 0.4


def _best_threshold(probs: np.ndarray, y: np.ndarray) -> float:
    """The lowest calibrated probability whose out-of-fold F1 is within ``F1_TOLERANCE`` of the best."""
    f1s: list[tuple[float, float]] = []
    for t in sorted(set(np.round(probs, 4).tolist())):
        pred = probs >= t
        tp, fp, fn = int(np.sum(pred & y)), int(np.sum(pred & ~y)), int(np.sum(~pred & y))
        f1s.append((t, 2 * tp / (2 * tp + fp + fn) if tp else 0.0))
    if not f1s:
        return 0.5
    best = max(f for _, f in f1s)
    return float(min(t for t, f in f1s if f >= best - F1_TOLERANCE))


def _folds(groups: Sequence[str], n_splits: int) -> list[tuple[np.ndarray, np.ndarray]]:
    n = min(n_splits, len(set(groups)))
    if n < 2:
        return []
    return list(GroupKFold(n_splits=n).split(np.zeros(len(groups)), groups=groups))


def programme_score(pipe: Pipeline, views: Sequence[DocView]) -> np.ndarray:
    """log-odds of P(programme) = the summed probability of the programme kinds."""
    proba = pipe.predict_proba(list(views))
    cols = [i for i, c in enumerate(pipe.classes_) if c in PROGRAMME_KINDS]
    p = np.clip(proba[:, cols].sum(axis=1), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _is_program_task(views: list[DocView], recs: Sequence[dict[str, Any]], groups: list[str], n_splits: int,
                     calibrate: bool, domain_specs: bool = True,
                     min_threshold: float = MIN_PROGRAMME_THRESHOLD) -> dict[str, Any]:
    kinds = np.array([kind_class(r) for r in recs])
    y = np.array([bool(r["is_program"]) for r in recs])
    if len(set(y.tolist())) < 2:
        raise UsageError("training data has only one class for is_program")

    def build() -> Pipeline:
        return build_is_program_pipeline(domain_specs)

    pipe = build().fit(views, kinds)
    task = _export(pipe, "multinomial")
    task["positive"] = [c for c in task["classes"] if c in PROGRAMME_KINDS]
    if calibrate:
        oof = np.zeros(len(views))
        for tr, te in _folds(groups, n_splits):
            if len(set(kinds[tr].tolist()) & set(PROGRAMME_KINDS)) == 0:
                oof[te] = -5.0
                continue
            fold = build().fit([views[i] for i in tr], kinds[tr])
            oof[te] = programme_score(fold, [views[i] for i in te])
        a, b = _fit_platt(oof, y)
        task["calibration"] = [round(a, 6), round(b, 6)]
        task["threshold"] = round(max(min_threshold, _best_threshold(_sigmoid(a * oof + b), y)), 6)
    return task


def _binary_task(build: Callable[[], Pipeline], xs: list[Any], y: np.ndarray, groups: list[str], n_splits: int,
                 calibrate: bool) -> dict[str, Any]:
    if len(set(y.tolist())) < 2:
        raise UsageError(f"training data has only one class for a task ({sorted(set(y.tolist()))})")
    task = _export(build().fit(xs, y), "binary")
    if calibrate:
        oof = np.zeros(len(xs))
        for tr, te in _folds(groups, n_splits):
            if len(set(y[tr].tolist())) < 2:
                oof[te] = 1.0 if y[tr][0] else -1.0
                continue
            oof[te] = build().fit([xs[i] for i in tr], y[tr]).decision_function([xs[i] for i in te])
        a, b = _fit_platt(oof, y)
        task["calibration"] = [round(a, 6), round(b, 6)]
        # The class-balanced boundary (score 0) keeps recall on rare tags; as a probability it is sigmoid(b).
        task["threshold"] = round(float(_sigmoid(b)), 6)
    return task


def _sentence_task(label: str, views: list[DocView], recs: Sequence[dict[str, Any]], groups: list[str],
                   n_splits: int, calibrate: bool) -> dict[str, Any]:
    xs, ys = sentence_examples(recs, views, label)
    if ys.sum() < 2:
        raise UsageError(f"fewer than 2 quoted sentences for {label}")
    task = _export(build_sentence_pipeline(label).fit(xs, ys), "sentence")
    if calibrate:
        y = np.array([bool(r[label]) for r in recs])
        oof = np.full(len(views), -5.0)
        for tr, te in _folds(groups, n_splits):
            txs, tys = sentence_examples([recs[i] for i in tr], [views[i] for i in tr], label)
            if tys.sum() < 2:
                continue
            fold = build_sentence_pipeline(label).fit(txs, tys)
            for i in te:
                sents = sentences_of(views[i])
                oof[i] = float(fold.decision_function(sents).max()) if sents else -5.0
        a, b = _fit_platt(oof, y)
        task["calibration"] = [round(a, 6), round(b, 6)]
        task["threshold"] = round(float(_sigmoid(b)), 6)
    return task


def _export(pipe: Pipeline, kind: str) -> dict[str, Any]:
    clf: LogisticRegression = pipe.named_steps["clf"]
    return {
        "kind": kind,
        "classes": [str(c) for c in clf.classes_],
        "blocks": export_union(pipe.named_steps["features"]),
        "coef": [[round(float(v), 5) for v in row] for row in clf.coef_],
        "intercept": [round(float(v), 5) for v in clf.intercept_],
        "calibration": None,
        "threshold": 0.5,
    }


def train_payload(records: Sequence[dict[str, Any]], *, calibrate: bool = True, n_splits: int = N_SPLITS,
                  rules: Sequence[str] = RULES, domain_specs: bool = True,
                  sentence_tags: Sequence[str] = SENTENCE_TAGS,
                  min_threshold: float = MIN_PROGRAMME_THRESHOLD) -> dict[str, Any]:
    """Fit every task on ``records`` and return the JSON artefact (without version metadata).

    The keywords are the alternatives compared in docs/classifier.md (``bench/bench_classifier.py``):
    ``rules``, the hand rules the model applies over its own decision; ``domain_specs``, whether is_program
    reads the hand-written signal specs; ``sentence_tags``, the tags learned per sentence;
    ``min_threshold``, the lowest is_program threshold."""
    views = [corpus_view(r) for r in records]
    groups = groups_of(records)
    tasks: dict[str, Any] = {
        "is_program": _is_program_task(views, records, groups, n_splits, calibrate, domain_specs, min_threshold)}
    # Tags and type are defined for programmes only: train them on the programmes.
    idx = [i for i, r in enumerate(records) if r["is_program"]]
    p_recs = [records[i] for i in idx]
    p_views = [views[i] for i in idx]
    p_groups = [groups[i] for i in idx]
    for label in TAGS:
        quoted = sum(1 for r in p_recs if r.get(label) and (r.get("evidence") or {}).get(label))
        # A sentence model needs the labellers' quotes; a corpus without them trains the document model.
        if label in sentence_tags and quoted >= 2:
            tasks[label] = _sentence_task(label, p_views, p_recs, p_groups, n_splits, calibrate)
        else:
            y = np.array([bool(r[label]) for r in p_recs])
            tasks[label] = _binary_task(partial(build_tag_pipeline, label), p_views, y, p_groups, n_splits,
                                        calibrate)
    y_type = np.array([r["program_type"] or "annat" for r in p_recs])
    tasks["program_type"] = _export(build_type_pipeline().fit(p_views, y_type), "multinomial")
    return {
        "format": FORMAT,
        "version": "untrained",
        "signals_digest": signal_table_digest(),
        "task_specs_digest": hashlib.sha256(json.dumps(TASK_SPECS, ensure_ascii=False).encode()).hexdigest()[:16],
        "head_chars": HEAD_CHARS,
        "rules": list(rules),
        "tasks": tasks,
    }


def train_model(records: Sequence[dict[str, Any]], *, calibrate: bool = True,
                n_splits: int = N_SPLITS) -> ProgramModel:
    return ProgramModel(train_payload(records, calibrate=calibrate, n_splits=n_splits))


# -- evaluation that trains (cross-validation) and the held-out score ------------------------------


def cross_validate(records: Sequence[dict[str, Any]], n_splits: int = N_SPLITS) -> dict[str, Any]:
    """Grouped k-fold on ``records``: train the full model per fold, score out-of-fold."""

    groups = groups_of(records)
    preds: list[Prediction | None] = [None] * len(records)
    for tr, te in _folds(groups, n_splits):
        model = train_model([records[i] for i in tr], n_splits=n_splits)
        for i, p in zip(te, model.predict([doc_input(records[i]) for i in te]), strict=True):
            preds[i] = p
    report = score(records, [p for p in preds if p is not None])
    report["folds"] = min(n_splits, len(set(groups)))
    report["grouping"] = "GroupKFold by municipality (classify.split.groups_of)"
    report["dummy"] = dummy_baselines(records, groups)
    return report


def heldout_report(model: ProgramModel, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Scores of ``model`` on the frozen held-out part of ``records`` (nothing is fitted on it)."""

    split = partition(records)
    report = score(split.heldout, model.predict([doc_input(r) for r in split.heldout]))
    report["model_version"] = model.version
    report["new_groups"] = split.new_groups
    # The dummy is fitted on the training part and scored on the held-out part, like the model.
    report["dummy"] = dummy_baselines(split.heldout, groups_of(split.heldout), train=split.train)
    return report


# -- the artefact ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    version: str
    training_documents: int
    metrics: dict[str, Any]


def write_artefact(corpus: Path, out_dir: Path, *, with_cv: bool = True) -> TrainResult:
    """Train on the training part of ``corpus``; write model.json, metrics.json, training_data.sha256."""
    records = load_corpus(corpus)
    split = partition(records)
    digest = records_digest(split.train)
    payload = train_payload(split.train)
    # date + training-data digest prefix + model digest prefix: retraining with other code on the same
    # data the same day still gives a new version.
    model_digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    payload["version"] = f"{dt.date.today().isoformat()}+{digest[:8]}.{model_digest[:6]}"
    payload["training_data"] = {"sha256": digest, "documents": len(split.train), "part": "train",
                                "file": corpus.name}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n",
                                      encoding="utf-8")
    write_digest(out_dir / MODEL_FILE)  # checked at load: a change after training is refused
    (out_dir / "training_data.sha256").write_text(f"{digest}  {corpus.name} (training part)\n", encoding="utf-8")
    metrics: dict[str, Any] = {"version": payload["version"], "training_data_sha256": digest}
    model = ProgramModel(payload)
    metrics["heldout"] = heldout_report(model, records)
    if with_cv:
        metrics["cross_validation_on_training_part"] = cross_validate(split.train)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    return TrainResult(payload["version"], len(split.train), metrics)
