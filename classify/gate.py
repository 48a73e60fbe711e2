"""Quality gate (``kommunprogram gate``, ``make eval``): the shipped model on the frozen held-out part.

The shipped model is trained on the training part of the corpus only (``classify.split``); the gate
checks that it was (the digest of the training part), scores it on the held-out part, with and without
the ambiguous documents, and compares the scores with pinned floors. Floors exist only where the
held-out support is large enough to mean something (about 15 positives or more: ``MIN_SUPPORT``); the
other scores are reported, not gated.

Floors live in ``classify/model/floors.json``::

    {"floors": {"heldout.all.is_program.f1": 0.70, ...},
     "lowered": [{"metric": ..., "from": ..., "to": ..., "reason": ..., "date": ...}]}

The gate fails (exit 1) when a score is below its floor, and when a floor is lower than in the
previous committed version of floors.json without a matching entry in ``lowered``: a floor can only
go down together with a written reason, visible in the diff. ``--allow-lower "reason"`` writes those
entries for the floors that went down (it never changes a floor itself). ``--raise`` lifts floors to
the reached scores minus a margin (floors only go up that way). See docs/classifier.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from base.errors import ModelError, UsageError
from classify.corpus import load_corpus, records_digest
from classify.evaluate import flat_scores, format_table
from classify.model import MODEL_DIR, load_model
from classify.split import partition
from classify.train import heldout_report

FLOORS_FILE = MODEL_DIR / "floors.json"
RAISE_MARGIN = 0.02


@dataclass(frozen=True)
class GateResult:
    code: int  # 0 passed, 1 failed
    findings: list[Finding]
    scores: dict[str, float]
    report: dict[str, Any]
    floors: dict[str, float]


@dataclass(frozen=True)
class Finding:
    metric: str
    problem: str  # "below_floor" | "missing_score" | "floor_lowered" | "floor_removed"
    detail: str


def check_scores(scores: Mapping[str, float], floors: Mapping[str, float]) -> list[Finding]:
    """Every floor must have a score at or above it."""
    out: list[Finding] = []
    for metric, floor in sorted(floors.items()):
        if metric not in scores:
            out.append(Finding(metric, "missing_score", f"no score for {metric} (floor {floor})"))
        elif scores[metric] + 1e-9 < floor:
            out.append(Finding(metric, "below_floor", f"{metric} = {scores[metric]:.4f} < floor {floor:.4f}"))
    return out


def check_lowering(
    current: Mapping[str, float], previous: Mapping[str, float] | None, lowered: Sequence[Mapping[str, Any]]
) -> list[Finding]:
    """Floors lower than (or missing from) the previous version need a ``lowered`` entry with a reason."""
    if previous is None:
        return []
    explained = {
        (e.get("metric"), _r(e.get("from")), _r(e.get("to")))
        for e in lowered
        if str(e.get("reason", "")).strip()
    }
    out: list[Finding] = []
    for metric, before in sorted(previous.items()):
        now = current.get(metric)
        if now is None:
            if (metric, _r(before), None) not in explained:
                out.append(Finding(metric, "floor_removed", f"floor {metric} ({before}) removed without a reason"))
        elif now < before - 1e-9 and (metric, _r(before), _r(now)) not in explained:
            out.append(Finding(metric, "floor_lowered", f"floor {metric} lowered {before} -> {now} without a reason"))
    return out


def _r(v: Any) -> float | None:
    return None if v is None else round(float(v), 4)


def lowering_entries(
    current: Mapping[str, float], previous: Mapping[str, float] | None, reason: str, today: str
) -> list[dict[str, Any]]:
    """The ``lowered`` entries that ``--allow-lower REASON`` records."""
    if previous is None:
        return []
    entries = []
    for metric, before in sorted(previous.items()):
        now = current.get(metric)
        if now is None or now < before - 1e-9:
            entries.append({"metric": metric, "from": before, "to": now, "reason": reason, "date": today})
    return entries


def raised_floors(floors: Mapping[str, float], scores: Mapping[str, float], margin: float = RAISE_MARGIN) -> dict:
    """Floors lifted to ``score - margin`` (rounded down to 0.01) where that is higher; never lowered."""
    out = dict(floors)
    for metric, floor in floors.items():
        if metric in scores:
            out[metric] = max(floor, math.floor((scores[metric] - margin) * 100) / 100)
    return out


# --------------------------------------------------------------------------------------------
# Files and git
# --------------------------------------------------------------------------------------------


def read_floors(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read floors ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg})") from exc
    floors = data.get("floors") if isinstance(data, dict) else None
    if not isinstance(floors, dict) or not all(isinstance(v, int | float) for v in floors.values()):
        raise UsageError(f'{path}: expected {{"floors": {{metric: number}}, "lowered": [...]}}')
    data.setdefault("lowered", [])
    return data


def previous_floors(path: Path) -> dict[str, float] | None:
    """The floors of the most recent committed version of ``path`` that differs from the file now.

    None when the file has no earlier version (first commit) or git is not available.
    """
    path = path.resolve()
    try:
        root = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=path.parent, check=True,
                                   capture_output=True, text=True).stdout.strip())
        rel = path.relative_to(root).as_posix()
        commits = subprocess.run(["git", "log", "--format=%H", "--", rel], cwd=root, check=True,
                                 capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None
    current = read_floors(path)["floors"]
    for commit in commits:
        shown = subprocess.run(["git", "show", f"{commit}:{rel}"], cwd=root, capture_output=True, text=True)
        if shown.returncode != 0:
            continue
        try:
            floors = json.loads(shown.stdout).get("floors", {})
        except (json.JSONDecodeError, AttributeError):
            continue
        if floors != current:
            return {k: float(v) for k, v in floors.items()}
    return None


# Below this many held-out positives a score moves in steps too large to pin.
MIN_SUPPORT = 14


def supported_metrics(report: dict[str, Any]) -> set[str]:
    """The held-out scores whose support is at least ``MIN_SUPPORT`` positives."""
    out: set[str] = set()
    for subset in ("all", "unambiguous"):
        sub = report.get(subset, {})
        for label, m in sub.get("labels", {}).items():
            if m["support"] >= MIN_SUPPORT and label == "is_program":
                out.add(f"heldout.{subset}.is_program.f1")
        for label, m in sub.get("tags_on_true_programmes", {}).items():
            if m["support"] >= MIN_SUPPORT:
                out.add(f"heldout.{subset}.{label}.f1_on_programmes")
        if sub.get("program_type", {}).get("n", 0) >= MIN_SUPPORT:
            out.add(f"heldout.{subset}.program_type.accuracy")
    return out


def run_gate(
    floors_path: Path,
    corpus: Path,
    *,
    allow_lower: str | None = None,
    raise_floors: bool = False,
    report_path: Path | None = None,
    model_path: Path | None = None,
) -> GateResult:
    """Score the shipped model on the held-out part of ``corpus`` and check the floors; a model not trained
    on this corpus's training part is a ``ModelError`` (retrain with ``make train``)."""

    data = read_floors(floors_path)
    previous = previous_floors(floors_path)
    if allow_lower:
        new = lowering_entries(data["floors"], previous, allow_lower, dt.date.today().isoformat())
        if new:
            data["lowered"].extend(new)
            floors_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    records = load_corpus(corpus)
    model = load_model(model_path)
    trained_on = (model.payload.get("training_data") or {}).get("sha256")
    if trained_on != records_digest(partition(records).train):
        raise ModelError(f"the shipped model was not trained on the training part of {corpus} (the corpus or "
                         "its split changed); retrain with `make train`")
    report = heldout_report(model, records)
    scores = {f"heldout.{k}": v for k, v in flat_scores(report).items()}
    if report_path:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    findings = check_lowering(data["floors"], previous, data["lowered"]) + check_scores(scores, data["floors"])
    unsupported = sorted(set(data["floors"]) - supported_metrics(report))
    findings += [Finding(m, "too_little_support", f"floor {m}: fewer than {MIN_SUPPORT} held-out positives")
                 for m in unsupported]
    if raise_floors and not findings:
        data["floors"] = raised_floors(data["floors"], scores)
        floors_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return GateResult(1 if findings else 0, findings, scores, report, data["floors"])


def summary_lines(report: dict[str, Any], floors: Mapping[str, float], scores: Mapping[str, float],
                  findings: Sequence[Finding]) -> list[str]:
    """What ``kommunprogram gate`` prints: the held-out table, each floor against its score, the verdict."""

    lines = ["held-out part (frozen; nothing is fitted on it):", format_table(report), "", "gate:"]
    for metric in sorted(floors):
        s = scores.get(metric)
        mark = "ok " if s is not None and s + 1e-9 >= floors[metric] else "LOW"
        lines.append(f"  {mark} {metric:<48} {s if s is not None else float('nan'):.4f} >= {floors[metric]:.4f}")
    lines += [f"FAIL {f.problem}: {f.detail}" for f in findings]
    lines.append("gate passed" if not findings else "gate FAILED")
    return lines
