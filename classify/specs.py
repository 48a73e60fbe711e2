"""The domain specs: a small rule language over signal counts, and the specs each task uses.

A domain feature is a *spec*, JSON data stored in the model artefact (``spec_problem`` checks one when
``classify.artefact`` reads it):

    "log:NAME"  log1p(hits)          "has:NAME"  1 if any hit          "many:NAME"  1 if 2+ hits
    ["any", spec, ...]  max          ["all", spec, ...]  min           ["not", spec]  1 - spec

``NAME`` is a signal of ``classify.signals`` (or a ``type_first_*`` indicator of the title rule).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from classify.signals import SIGNALS, TYPE_SIGNALS, signal_counts

Spec = str | list  # type: ignore[type-arg]
SPEC_KINDS = ("log", "has", "many")
SPEC_OPERATORS = ("any", "all", "not")

# Which signals each task uses (on top of the stemmed words). Data, so that a new tag is one line.
TASK_SIGNALS: dict[str, tuple[str, ...]] = {
    "is_program": tuple(s.name for s in SIGNALS),
    "program_type": ("title_naringsliv", "title_tillvaxt", "title_other_plan", "title_programme"),
    "rus_link": ("rus_generic", "rus_named", "rus_acronym", "region"),
    "intermunicipal_link": ("collab_named", "collab_acronym", "collab_generic", "collab_neighbours"),
    "action_plan": ("action_plan", "action_heading", "annual"),
    "sustainability": ("sustain_strong", "sustain_head", "sustain_heading", "sustain_agenda"),
    "business_collaboration": ("developed_with_business", "biz_dialogue", "developed"),
    "annual_activities": ("annual", "action_plan"),
}
# The tasks that are tags (the yes/no labels beside is_program and program_type).
TAG_TASKS = tuple(t for t in TASK_SIGNALS if t not in ("is_program", "program_type"))

_TITLE = ["any", "has:title_naringsliv", "has:title_tillvaxt", "has:title_other_plan", "has:title_for_business"]
_NEG_HEAD = ["any", "has:draft_head", "has:process_head", "has:region_head", "has:report_head",
             "has:title_other_domain", "has:ranking_head"]
# Cues of a text written *about* a programme (process news, opinion, awards, third-party reporting,
# a follow-up of a finished period) rather than the programme itself.
_ABOUT = ["any", "has:future_process", "has:opinion", "has:award", "has:third_person_actor", "has:period_over"]

# Markers that make a document not a municipality's own adopted programme, whatever its title says.
_VETO = ["any",
         "has:draft_strong_head", "has:process_strong_head", "many:foreign",
         ["all", "has:draft_head", ["not", "has:adopted_head"]],
         ["all", "has:process_head", ["not", "has:adopted_head"]],
         "has:report_head", "has:title_other_domain", _ABOUT, "has:ranking_head", "has:party_head", "has:finland",
         ["all", "has:region_head", ["not", "has:municipality_head"]],
         # Another policy area in the title area (landsbygd, turism, miljö) without a business title.
         ["all", "has:other_policy_head", ["not", "has:title_naringsliv"], ["not", "has:title_tillvaxt"]]]


def eval_spec(spec: Spec, counts: dict[str, int]) -> float:
    if isinstance(spec, str):
        kind, _, name = spec.partition(":")
        n = counts[name]
        if kind == "log":
            return math.log1p(n)
        if kind == "has":
            return float(n > 0)
        if kind == "many":
            return float(n > 1)
        raise ValueError(f"unknown spec kind {kind!r} in {spec!r}; expected 'log', 'has' or 'many'")
    op, *args = spec
    vals = [eval_spec(a, counts) for a in args]
    if op == "any":
        return max(vals)
    if op == "all":
        return min(vals)
    if op == "not":
        return 1.0 - vals[0]
    raise ValueError(f"unknown spec operator {op!r}; expected 'any', 'all' or 'not'")


def spec_problem(spec: Any, signals: Collection[str]) -> str | None:
    """What is wrong with one domain-feature spec (``"kind:signal"`` or ``[op, spec, ...]``), or None."""
    if isinstance(spec, str):
        kind, sep, name = spec.partition(":")
        if not sep or kind not in SPEC_KINDS:
            return f"kind {kind!r} is not one of {', '.join(SPEC_KINDS)}"
        if name not in signals:
            return f"signal {name!r} is not computed by classify/signals.py"
        return None
    if not isinstance(spec, list) or not spec or spec[0] not in SPEC_OPERATORS:
        return f"operator is not one of {', '.join(SPEC_OPERATORS)}"
    args: Sequence[Any] = spec[1:]
    if not args or (spec[0] == "not" and len(args) != 1):
        return f"{spec[0]!r} has {len(args)} argument(s)"
    return next((p for p in (spec_problem(a, signals) for a in args) if p), None)


# Signals that each, alone, state the tag as the corpus README defines it. Their "any" feature lets a
# cue that is rare in the short corpus excerpts (a "Hållbarhet" section heading, an actions table)
# share the weight learned from the frequent one (sustainability in the title).
TAG_ANY: dict[str, tuple[str, ...]] = {
    "rus_link": ("rus_generic", "rus_named", "rus_acronym"),
    "intermunicipal_link": ("collab_named", "collab_acronym", "collab_generic", "collab_neighbours"),
    "action_plan": ("action_plan", "action_heading"),
    "sustainability": ("sustain_head", "sustain_heading", "sustain_agenda"),
    "business_collaboration": ("developed_with_business",),
    "annual_activities": ("annual",),
}


def _logs(names: Iterable[str]) -> list[Spec]:
    return [f"log:{n}" for n in names]


def _tag_specs(label: str) -> list[Spec]:
    names = TASK_SIGNALS[label]
    return [*_logs(names), *(f"has:{n}" for n in names), ["any", *(f"has:{n}" for n in TAG_ANY[label])]]


TASK_SPECS: dict[str, list[Spec]] = {
    "is_program": [
        *(f"has:{s.name}" for s in SIGNALS),
        _TITLE,
        ["all", _TITLE, "has:adopted_head"],
        ["all", _TITLE, ["not", _NEG_HEAD]],
        ["all", _TITLE, "has:municipality_head", ["not", _NEG_HEAD]],
        ["all", "has:draft_head", ["not", "has:adopted_head"]],
        ["all", "has:process_head", ["not", "has:adopted_head"]],
        ["all", _TITLE, "has:region_head", ["not", "has:municipality_head"]],
        ["all", "has:title_other_domain", ["not", "has:title_naringsliv"]],
        ["any", "has:party", "has:foreign", "has:finland"],
        _VETO,
        ["all", _TITLE, ["not", _VETO]],
        ["all", _TITLE, "has:named_municipality", ["not", _VETO]],
        # What kind of text it is: a programme title line without veto, and the news / opinion / advice
        # / follow-up cues that mark a text *about* a programme rather than the programme.
        ["all", "has:title_line_programme", ["not", _VETO]],
        ["all", "has:news", ["not", "has:adopted_programme"]],
        _ABOUT,
        ["all", _TITLE, ["not", "has:title_line_programme"], _ABOUT],
        "many:second_person", "many:quote_says", "many:navigation",
    ],
    "program_type": [*(f"has:{n}" for n in TYPE_SIGNALS), *_logs(TASK_SIGNALS["program_type"])],
    **{label: _tag_specs(label) for label in TAG_TASKS},
}


def signal_vector(text: str, specs: Sequence[Spec]) -> list[float]:
    counts = signal_counts(text)
    return [eval_spec(s, counts) for s in specs]
