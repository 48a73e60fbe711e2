"""The review queue: which inventory rows a person should check first, and why.

A row is flagged from the classifier's calibrated probabilities behind what the row *publishes*: the
chosen document being a programme, its programme type, the status (a rejected document that was nearly
a programme) and each tag. A published value is trusted when its probability lies clearly on its side of
the model's threshold; within a margin around the threshold (or on the wrong side of it, which the
annual-activities rule can cause) the row goes to review, and ``review_reasons`` names the label and
its probability, e.g. ``is_program 0.58; sustainability 0.46``.

Margins are in log-odds (logit) units, the scale on which a calibrated probability's distance from a
threshold means the same at 0.14 as at 0.5: a margin of 1.0 around a threshold of 0.5 is 0.27-0.73, around
0.14 it is 0.06-0.31. The constants below are the only knobs; docs/outputs.md ("The review queue") explains them. The
probabilities and thresholds are read from the model's ``Prediction.confidence`` and its tasks; nothing
here re-scores a document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from base.vocabulary import TAGS

# The chosen document's P(programme) must lie at least this far above the is_program threshold (logit).
IS_PROGRAM_MARGIN = 1.0
# A rejected document whose P(programme) comes within this of the threshold (logit) may be a missed
# programme: the status of a municipality without a programme in force then goes to review.
STATUS_MARGIN = 1.0
# The published programme type is the most probable of three; below this probability it is a guess.
PROGRAM_TYPE_MIN = 0.6
# A tag (true or false) is trusted when P(tag | programme) lies at least this far from its threshold (logit).
TAG_MARGIN = 1.0

# Statuses whose shown document is published as a programme (in force or expired).
PROGRAMME_SHOWN = ("program_found", "expired_only")
# Statuses that say "no programme in force was found" among documents the classifier could read.
WITHOUT_PROGRAMME = ("no_program_found", "draft_only", "expired_only", "blocked_by_robots")


@dataclass(frozen=True)
class Review:
    reasons: tuple[str, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.reasons)

    @property
    def text(self) -> str | None:
        """``review_reasons`` as published: ``label probability`` joined by ``; ``, empty when trusted."""
        return "; ".join(self.reasons) or None


def model_thresholds(model: Any) -> dict[str, float]:
    """Each binary task's decision threshold, from the loaded model (``ProgramModel.tasks``)."""
    return {name: float(task.threshold) for name, task in model.tasks.items() if name != "program_type"}


def tag_probability(confidence: Mapping[str, float], label: str) -> float | None:
    """P(tag | programme), the probability the model compares with the tag's threshold.

    ``Prediction.confidence[tag]`` holds P(programme) * P(tag | programme) (classify/model.py), so the
    conditional is the ratio; None when the prediction carries neither.
    """
    joint = confidence.get(label)
    p_programme = confidence.get("is_program")
    if joint is None or not p_programme:
        return None
    return min(1.0, float(joint) / float(p_programme))


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _doubtful(published: bool, probability: float, threshold: float, margin: float) -> bool:
    """The published value is not clearly on its side of the threshold."""
    distance = logit(probability) - logit(threshold)
    return distance < margin if published else distance > -margin


def review_row(status: str, chosen: Mapping[str, Any] | None, published: Mapping[str, Any],
               rejected: Iterable[float | None], thresholds: Mapping[str, float]) -> Review:
    """The review verdict for one municipality.

    ``chosen`` is the prediction (JSON, with ``confidence``) of the document the row shows, ``published``
    the row's published tag values, ``rejected`` P(programme) of every document the selection turned
    down as not a programme.
    """
    reasons: list[str] = []
    is_program_threshold = thresholds.get("is_program", 0.5)
    confidence: Mapping[str, float] = (chosen or {}).get("confidence") or {}
    if status in PROGRAMME_SHOWN and chosen is not None:
        p = float(confidence.get("is_program", 0.0))
        if _doubtful(True, p, is_program_threshold, IS_PROGRAM_MARGIN):
            reasons.append(f"is_program {p:.2f}")
    if status in WITHOUT_PROGRAMME:
        near = [p for p in rejected if p is not None and _doubtful(False, p, is_program_threshold, STATUS_MARGIN)]
        if near:
            reasons.append(f"status {max(near):.2f}")
    if status == "program_found" and chosen is not None:
        p_type = confidence.get("program_type")
        if published.get("program_type") is not None and p_type is not None and p_type < PROGRAM_TYPE_MIN:
            reasons.append(f"program_type {p_type:.2f}")
        for label in TAGS:
            value, p_tag = published.get(label), tag_probability(confidence, label)
            if value is None or p_tag is None:
                continue
            if _doubtful(bool(value), p_tag, thresholds.get(label, 0.5), TAG_MARGIN):
                reasons.append(f"{label} {p_tag:.2f}")
    return Review(tuple(reasons))
