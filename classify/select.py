"""Choosing a municipality's programme in force for the inventory year among a site's candidates.

Pure: candidates (with the classifier's prediction and the extracted metadata) in, a ``Selection``
with one explained ``Decision`` per candidate out. The rules, in order:

1. the same content (sha256) twice -> ``duplicate``;
2. a document about another municipality -> ``other_municipality``; one with too little text to judge
   (fewer than ``MIN_JUDGE_WORDS`` words) -> ``too_little_text``, listed for review, never the programme;
3. not a programme by the classifier (regional strategies, news, party programmes ...) -> ``not_program``,
   unless it is flagged a draft of a programme -> ``draft``;
4. a draft or consultation version -> ``draft``;
5. a period that ended before the year (and not extended "tills vidare") -> ``expired`` (``older_version``
   when a programme in force was found); one that starts after the year -> ``not_started``: when nothing is
   in force it is still the municipality's programme (``program_found``, not in force), never "expired";
6. among the programmes in force, the main document wins over an action plan, then a dated one (period
   or adoption date) over an undated one, adopted over unstated, the newest period, open-ended over
   closed, then the classifier's confidence, the link score and the municipal host. Action plans become
   ``action_plan`` linked to it; other pages about it ``duplicate``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from base.inforce import period_timing
from base.vocabulary import ROLES, ROUTES
from classify.model import Prediction
from classify.reference import foreign_municipality_names, municipality_names
from classify.signals import HEAD_CHARS

# A document with fewer words than this cannot be judged (a title line and nothing else, an empty scan): it
# is never published as a programme, whatever the classifier says; it is listed for review instead.
MIN_JUDGE_WORDS = 40

_ACTION_PLAN_RE = re.compile(r"handlingsplan|aktivitetsplan|genomförandeplan|åtgärdsplan|handlingsprogram|"
                             r"färdplan", re.IGNORECASE)
_PROGRAMME_WORD_RE = re.compile(r"program|strategi|policy|plan", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{2,}")


def content_words(text: str) -> int:
    """The words ``MIN_JUDGE_WORDS`` counts (the selection's and the crawler's judge's)."""
    return len(_WORD_RE.findall(text))


@dataclass(frozen=True)
class Candidate:
    sha256: str
    url: str
    title: str | None
    kind: str
    found_via: str
    link_score: float
    anchor_text: str | None
    valid_from: int | None
    valid_to: int | None
    extended: bool
    draft: bool
    adopted_by: str | None
    adopted_date: str | None
    prediction: Prediction
    host_is_municipal: bool
    mentions_other_municipality: str | None
    content_words: int | None = None  # words of text extracted; None = not counted (judged as before)

    def __post_init__(self) -> None:
        if self.found_via not in ROUTES:
            raise ValueError(f"Candidate.found_via: {self.found_via!r} is not one of {ROUTES}")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"Candidate {self.url}: valid_from {self.valid_from} > valid_to {self.valid_to}")


@dataclass
class Decision:
    sha256: str
    url: str
    picked: bool
    role: str
    reason: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Decision.role: {self.role!r} is not one of {ROLES}")


@dataclass
class Selection:
    status: str
    chosen: Candidate | None
    in_force: bool | None
    decisions: list[Decision] = field(default_factory=list)


# How far into the text the body check looks when the title area names no municipality.
BODY_CHARS = 3000
# Municipal names whose form before "kommun" is not name (+ s).
_IRREGULAR_FORMS: dict[str, tuple[str, ...]] = {"Falun": ("Falu",)}


@cache
def _name_forms() -> tuple[dict[str, str], re.Pattern[str]]:
    """form -> municipality name, and one case-sensitive pattern finding the forms as whole words."""
    forms: dict[str, str] = {}
    for name in sorted(municipality_names()):
        for form in (name, *_IRREGULAR_FORMS.get(name, ())):
            forms[form] = name
    for name in sorted(foreign_municipality_names()):
        forms.setdefault(name, name)
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=lambda f: (-len(f), f)))
    return forms, re.compile(rf"(?<![\w-])({alternation})s?(?![\w-])")


def other_municipality(text: str, municipality: str, title: str | None = None) -> str | None:
    """The other municipality a document's title area names, or None.

    None when the title area (``title`` plus the first lines of ``text``) names ``municipality`` itself
    or no municipality at all; a neighbour's programme on this site ("Näringslivsstrategi Knivstas
    kommun 2020-2030" found on Uppsala's site) returns "Knivsta". For ``Candidate.mentions_other_municipality``.
    """
    forms, rx = _name_forms()
    own = municipality.strip()
    area = f"{title or ''}\n{text[:HEAD_CHARS]}"
    found = [forms[m.group(1)] for m in rx.finditer(area)]
    if found:
        return None if own in found else found[0]
    # No name in the title area: the body decides when it names one other municipality repeatedly
    # and never this one.
    body = [forms[m.group(1)] for m in rx.finditer(text[:BODY_CHARS])]
    if not body or own in body:
        return None
    top = max(set(body), key=lambda n: (body.count(n), n))
    return top if body.count(top) >= 2 else None


def _label(c: Candidate) -> str:
    return c.title or c.anchor_text or c.url


def _period(c: Candidate) -> str:
    if c.valid_from or c.valid_to:
        return f"{c.valid_from or '?'}–{c.valid_to or '?'}"
    return "no stated period"


def is_action_plan(c: Candidate) -> bool:
    """An action plan attached to a programme, by its title or link text (not by its body)."""
    return bool(_ACTION_PLAN_RE.search(f"{c.title or ''} {c.anchor_text or ''}"))


def timing(c: Candidate, year: int) -> str:
    """``current``, ``expired``, ``future`` or ``unknown`` for the inventory year."""
    return period_timing(c.valid_from, c.valid_to, c.extended, year)


def _rank_key(c: Candidate) -> tuple:
    """Larger is better: main programme, dated, adopted, newest, open-ended, confident, well linked, municipal
    host. Among candidates in force a stated period or adoption date beats none: an undated document is
    less surely the programme in force (in the demo an undated policy outranked the dated programme)."""
    newest = max(c.valid_from or 0, int((c.adopted_date or "0")[:4] or 0) if c.adopted_date else 0)
    return (
        not is_action_plan(c),
        newest > 0,
        c.adopted_by is not None,
        newest,
        c.valid_to is None or c.extended,  # open-ended or extended beats a closed period of the same start
        round(c.prediction.confidence.get("is_program", 0.0), 3),
        c.link_score,
        c.host_is_municipal,
        c.found_via == "link",
    )


def _programme_like(c: Candidate) -> bool:
    return bool(c.prediction.is_program or _PROGRAMME_WORD_RE.search(_label(c)))


def choose_program(candidates: Sequence[Candidate], *, year: int, municipality: str) -> Selection:
    """The programme in force for ``year`` for ``municipality``, with every other candidate explained."""
    decisions: dict[int, Decision] = {}
    seen: dict[str, int] = {}
    in_force: list[int] = []
    expired: list[int] = []
    future: list[int] = []
    drafts: list[int] = []

    def decide(i: int, role: str, reason: str, picked: bool = False) -> None:
        c = candidates[i]
        decisions[i] = Decision(sha256=c.sha256, url=c.url, picked=picked, role=role, reason=reason)

    # Best candidates first so that a duplicate always points at the better copy.
    order = sorted(range(len(candidates)), key=lambda i: _rank_key(candidates[i]), reverse=True)
    for i in order:
        c = candidates[i]
        if c.sha256 in seen:
            decide(i, "duplicate", f"same content as {candidates[seen[c.sha256]].url}")
            continue
        seen[c.sha256] = i
        if c.mentions_other_municipality:
            decide(i, "other_municipality", f"about {c.mentions_other_municipality}, not {municipality}")
            continue
        if c.content_words is not None and c.content_words < MIN_JUDGE_WORDS:
            decide(i, "too_little_text", f"too little text to judge ({c.content_words} words); listed for review")
            continue
        if not c.prediction.is_program:
            if c.draft and _programme_like(c):
                drafts.append(i)
                decide(i, "draft", f"draft or consultation version of a programme ({_label(c)})")
            else:
                conf = c.prediction.confidence.get("is_program", 0.0)
                decide(i, "not_program", f"not a municipal business/growth programme (p={conf:.2f})")
            continue
        if c.draft:
            drafts.append(i)
            decide(i, "draft", "draft or consultation version, not adopted")
            continue
        t = timing(c, year)
        if t == "expired":
            expired.append(i)
            decide(i, "expired", f"period {_period(c)} ended before {year}")
            continue
        if t == "future":
            future.append(i)
            decide(i, "not_started", f"period {_period(c)} starts after {year}")
            continue
        in_force.append(i)

    chosen_i: int | None = None
    if in_force:
        chosen_i = max(in_force, key=lambda i: _rank_key(candidates[i]))
        ch = candidates[chosen_i]
        t = timing(ch, year)
        extra = "extended (tills vidare)" if ch.extended else (
            f"in force {_period(ch)}" if t == "current" else "no stated period, assumed in force")
        adopted = f", adopted by {ch.adopted_by}" if ch.adopted_by else ""
        decide(chosen_i, "program", f"programme in force for {year}: {extra}{adopted}", picked=True)
        for i in in_force:
            if i == chosen_i:
                continue
            c = candidates[i]
            if is_action_plan(c) and not is_action_plan(ch):
                decide(i, "action_plan", f"action plan linked to {_label(ch)}")
            else:
                decide(i, "duplicate", f"another document about the chosen programme or a lower-ranked one "
                                       f"({_label(c)}, {_period(c)})")
        for i in expired:
            c = candidates[i]
            if timing(c, year) == "expired":
                decide(i, "older_version", f"older version ({_period(c)}) of {_label(ch)}")

    if chosen_i is None and future:
        # An adopted programme that starts after the year is the municipality's programme, not yet in force.
        chosen_i = max(future, key=lambda i: _rank_key(candidates[i]))
        ch = candidates[chosen_i]
        decide(chosen_i, "program", f"adopted programme {_period(ch)}, not yet in force in {year}", picked=True)
        for i in expired:
            decide(i, "older_version", f"older version ({_period(candidates[i])}) of {_label(ch)}")

    if chosen_i is not None:
        ch = candidates[chosen_i]
        status = "program_found"
        t = timing(ch, year)
        force: bool | None = True if t == "current" else False if t == "future" else None
    elif drafts:
        status, force = "draft_only", False
    elif expired:
        status, force = "expired_only", False
    else:
        status, force = "no_program_found", None
    return Selection(
        status=status,
        chosen=candidates[chosen_i] if chosen_i is not None else None,
        in_force=force,
        decisions=[decisions[i] for i in range(len(candidates))],
    )
