"""Scores of the classifier on labelled documents: per-label precision, recall, F1 and confusion counts.

Pure scoring: ``score`` compares predictions with labels, ``evaluate`` scores a fitted model,
``dummy_baselines`` gives the ``DummyClassifier`` figures every score is reported beside. Every report is
given on all documents and on the unambiguous ones. Training and cross-validation live in
``classify.train``; ``kommunprogram eval --corpus FILE.jsonl`` prints ``evaluate_corpus``'s report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GroupKFold

from base.vocabulary import TAGS
from classify.corpus import doc_input, load_corpus
from classify.model import Prediction, ProgramModel, load_model

BINARY = ("is_program", *TAGS)
N_SPLITS = 5
SEED = 0


def confusion(gold: Sequence[bool], pred: Sequence[bool]) -> dict[str, Any]:
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if not g and p)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    tn = len(gold) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn, "support": tp + fn}


def _type_accuracy(records: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Over the true programmes: predicted type == gold (a missed programme counts as wrong);
    ``given_detected`` restricts to programmes the model also called programmes."""
    pairs = [(r["program_type"], p) for r, p in zip(records, preds, strict=True) if r["is_program"]]
    right = sum(1 for g, p in pairs if p.program_type == g)
    detected = [(g, p) for g, p in pairs if p.is_program]
    right_det = sum(1 for g, p in detected if p.program_type == g)
    return {
        "accuracy": round(right / len(pairs), 4) if pairs else 0.0,
        "n": len(pairs),
        "accuracy_given_detected": round(right_det / len(detected), 4) if detected else 0.0,
        "n_detected": len(detected),
    }


def _evidence_agreement(records: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Share of true-positive tags whose evidence sentence overlaps the labeller's quote."""
    hits = total = 0
    for r, p in zip(records, preds, strict=True):
        gold = r.get("evidence") or {}
        for label, ev in p.evidence.items():
            quote = gold.get(label)
            if not quote or not r.get(label, False):
                continue
            total += 1
            a, b = " ".join(quote.split()).lower(), " ".join(ev.quote.split()).lower()
            hits += int(a in b or b in a or _overlap(a, b) >= 0.5)
    return {"agreement": round(hits / total, 4) if total else 0.0, "n": total}


def _review_report(records: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, Any]:
    """How many wrong documents (any binary label wrong) the review flag catches, and at what cost."""
    wrong = [any(bool(r[label]) != bool(getattr(p, label)) for label in BINARY)
             for r, p in zip(records, preds, strict=True)]
    flagged = [p.needs_review for p in preds]
    caught = sum(1 for w, f in zip(wrong, flagged, strict=True) if w and f)
    return {"wrong_documents": sum(wrong), "wrong_and_flagged": caught,
            "flagged": sum(flagged),
            "share_of_errors_flagged": round(caught / sum(wrong), 4) if any(wrong) else 0.0}


def _calibration(records: Sequence[dict[str, Any]], preds: Sequence[Prediction], bins: int = 5) -> dict:
    """Brier score and expected calibration error of P(is_program)."""
    pairs = [(float(p.confidence.get("is_program", 0.0)), float(bool(r["is_program"])))
             for r, p in zip(records, preds, strict=True)]
    if not pairs:
        return {"brier": 0.0, "ece": 0.0}
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in pairs if lo <= p < hi or (b == bins - 1 and p == 1.0)]
        if inside:
            gap = abs(sum(p for p, _ in inside) / len(inside) - sum(y for _, y in inside) / len(inside))
            ece += gap * len(inside) / len(pairs)
    return {"brier": round(brier, 4), "ece": round(ece, 4)}


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def score(records: Sequence[dict[str, Any]], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Scores of given predictions against the records' labels (all / unambiguous)."""
    out: dict[str, Any] = {}
    for subset, keep in (("all", lambda r: True), ("unambiguous", lambda r: not r.get("ambiguous"))):
        pairs = [(r, p) for r, p in zip(records, preds, strict=True) if keep(r)]
        rs = [r for r, _ in pairs]
        ps = [p for _, p in pairs]
        labels = {
            label: confusion([bool(r[label]) for r in rs], [bool(getattr(p, label)) for p in ps])
            for label in BINARY
        }
        # Tags judged only on the true programmes (isolates tagging from programme detection).
        prog = [(r, p) for r, p in pairs if r["is_program"]]
        given = {
            label: confusion([bool(r[label]) for r, _ in prog], [bool(getattr(p, label)) for _, p in prog])
            for label in TAGS
        }
        out[subset] = {
            "n": len(rs),
            "labels": labels,
            "tags_on_true_programmes": given,
            "program_type": _type_accuracy(rs, ps),
            "regional_category_accuracy": round(
                sum(1 for r, p in pairs if (r.get("regional_category") or "none") == p.regional_category)
                / max(1, len(pairs)), 4),
            "evidence": _evidence_agreement(rs, ps),
            "needs_review": sum(1 for p in ps if p.needs_review),
            "review": _review_report(rs, ps),
            "calibration": _calibration(rs, ps),
        }
    return out


def evaluate(model: ProgramModel, records: list[dict]) -> dict:
    """Score ``model`` on labelled ``records`` (no training): the ``kommunprogram eval`` report."""

    report = score(records, model.predict([doc_input(r) for r in records]))
    report["model_version"] = model.version
    return report


def dummy_baselines(records: Sequence[dict[str, Any]], groups: Sequence[str],
                    train: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    """DummyClassifier (most_frequent and stratified) per label: fitted on ``train`` and scored on
    ``records`` when given, else under the same grouped folds as the model's cross-validation."""
    out: dict[str, Any] = {}
    n_splits = min(N_SPLITS, len(set(groups)))
    for strategy in ("most_frequent", "stratified"):
        per: dict[str, Any] = {}
        for label in BINARY:
            y = np.array([bool(r[label]) for r in records])
            pred = np.zeros(len(y), dtype=bool)
            if train is not None:
                yt = np.array([bool(r[label]) for r in train])
                dummy = DummyClassifier(strategy=strategy, random_state=SEED).fit(np.zeros((len(yt), 1)), yt)
                pred = dummy.predict(np.zeros((len(y), 1))).astype(bool)
            else:
                X = np.zeros((len(records), 1))
                for tr, te in GroupKFold(n_splits=n_splits).split(X, y, groups):
                    dummy = DummyClassifier(strategy=strategy, random_state=SEED).fit(X[tr], y[tr])
                    pred[te] = dummy.predict(X[te])
            per[label] = confusion(y.tolist(), pred.tolist())
        types = [r["program_type"] for r in records if r["is_program"]]
        if types:
            top = max(set(types), key=types.count)
            per["program_type_accuracy"] = round(types.count(top) / len(types), 4)
        out[strategy] = per
    return out


def evaluate_corpus(path: Path, model: ProgramModel | None = None) -> dict:
    records = load_corpus(Path(path))
    return evaluate(model or load_model(), records)


def flat_scores(report: dict[str, Any]) -> dict[str, float]:
    """The gate's view of a report: ``SUBSET.LABEL.f1`` and ``SUBSET.program_type.accuracy``."""
    flat: dict[str, float] = {}
    for subset in ("all", "unambiguous"):
        if subset not in report:
            continue
        for label, m in report[subset]["labels"].items():
            flat[f"{subset}.{label}.f1"] = m["f1"]
        for label, m in report[subset]["tags_on_true_programmes"].items():
            flat[f"{subset}.{label}.f1_on_programmes"] = m["f1"]
        flat[f"{subset}.program_type.accuracy"] = report[subset]["program_type"]["accuracy"]
    return flat


def format_table(report: dict) -> str:
    """Plain-text table: one row per label, precision/recall/F1 and confusion counts per subset."""
    lines: list[str] = []
    for subset in ("all", "unambiguous"):
        if subset not in report:
            continue
        sub = report[subset]
        lines.append(f"{subset} documents (n={sub['n']})")
        lines.append(f"  {'label':<24}{'prec':>7}{'recall':>8}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}{'tn':>5}"
                     f"{'F1|prog':>9}{'dummy F1':>10}")
        dummy = report.get("dummy", {}).get("stratified", {}) if subset == "all" else {}
        for label, m in sub["labels"].items():
            given = sub["tags_on_true_programmes"].get(label)
            g = f"{given['f1']:>9.3f}" if given else f"{'':>9}"
            d = f"{dummy[label]['f1']:>10.3f}" if label in dummy else f"{'':>10}"
            lines.append(f"  {label:<24}{m['precision']:>7.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}"
                         f"{m['tp']:>5}{m['fp']:>5}{m['fn']:>5}{m['tn']:>5}{g}{d}")
        t = sub["program_type"]
        lines.append(f"  program_type accuracy {t['accuracy']:.3f} (n={t['n']}); given detected "
                     f"{t['accuracy_given_detected']:.3f} (n={t['n_detected']})")
        ev = sub["evidence"]
        lines.append(f"  evidence agrees with the labeller's quote: {ev['agreement']:.3f} (n={ev['n']}); "
                     f"needs_review: {sub['needs_review']}")
        if "review" in sub:
            rv, cal = sub["review"], sub["calibration"]
            lines.append(f"  review flags {rv['wrong_and_flagged']} of {rv['wrong_documents']} wrong documents; "
                         f"P(is_program) Brier {cal['brier']:.3f}, ECE {cal['ece']:.3f}")
    return "\n".join(lines)
