"""The shipped programme classifier: loading, prediction and the ``predict`` JSONL contract.

The artefact in ``classify/model/model.json`` is plain JSON: for each task the stemmed-word vocabulary
with its idf weights, the domain-feature specs, the logistic-regression coefficients and the Platt
calibration. Loading it runs no code from the file (no pickle). Training lives in ``classify.train``,
which builds stock scikit-learn pipelines and exports them to this format; a test checks that the
exported model scores exactly like the fitted pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from base.errors import ModelError, UsageError
from base.vocabulary import HOST_KINDS, PROGRAM_TYPES, TAGS, regional_category
from classify.artefact import BINARY_CLASSES, read_artefact
from classify.blocks import BlockSet
from classify.document import DocView, cap_text, view
from classify.evidence import CONTRADICTIONS, MAX_QUOTE, Evidence, best_sentence, find_evidence
from classify.guards import business_words, is_hub_page
from classify.signals import signal_counts, signal_table_digest
from extract.metadata import find_draft_marker, find_period

MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.json"
FORMAT = "kommunprogram-linear/2"

# A decision whose score lies within this many calibrated logit units of its boundary goes to review.
REVIEW_MARGIN = 1.0
# Confidence cap for a document a rule says cannot be a programme (a draft marker, a guard).
DRAFT_CAP = 0.1
# The hand rules that override the model, by name; a model artefact lists the ones it was trained to use.
RULES = ("draft_marker", "no_business_words", "hub_page")


@dataclass(frozen=True)
class DocInput:
    id: str
    text: str
    pages: Sequence[str] | None = None
    title: str | None = None
    municipality: str | None = None
    url: str | None = None
    host: str | None = None          # where it sits: own | business | other | unknown (classify.document)
    view: DocView | None = None      # precomputed view (training uses the corpus's own)


@dataclass
class Prediction:
    id: str
    is_program: bool
    program_type: str | None
    rus_link: bool
    intermunicipal_link: bool
    regional_category: str
    action_plan: bool
    sustainability: bool
    business_collaboration: bool
    annual_activities: bool
    valid_from: int | None
    valid_to: int | None
    confidence: dict[str, float]
    evidence: dict[str, Evidence]
    needs_review: bool
    extended: bool = False
    review_reasons: list[str] = field(default_factory=list)
    # Each binary decision's threshold as a probability, so that callers can judge how close a
    # published value was (the review queue); the task's own, not a constant.
    thresholds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``predict`` contract: evidence as quote strings, pages in ``evidence_pages``."""
        return {
            "id": self.id,
            "is_program": self.is_program,
            "program_type": self.program_type,
            **{label: getattr(self, label) for label in TAGS[:2]},
            "regional_category": self.regional_category,
            **{label: getattr(self, label) for label in TAGS[2:]},
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "confidence": {k: round(v, 4) for k, v in self.confidence.items()},
            "evidence": {k: ev.quote for k, ev in self.evidence.items()},
            "evidence_pages": {k: ev.page for k, ev in self.evidence.items()},
            "needs_review": self.needs_review,
            "thresholds": {k: round(v, 4) for k, v in self.thresholds.items()},
        }


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


# --------------------------------------------------------------------------------------------
# One task, scored from its JSON with numpy
# --------------------------------------------------------------------------------------------


@dataclass
class Task:
    """A linear task over exported blocks: ``binary``, ``sentence`` (best sentence) or ``multinomial``
    (softmax; for is_program the ``positive`` classes are summed into P(programme))."""

    name: str
    kind: str
    classes: list[str]
    blocks: BlockSet
    coef: np.ndarray
    intercept: np.ndarray
    calibration: tuple[float, float] | None
    threshold: float
    positive: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, name: str, d: dict[str, Any]) -> Task:
        blocks = BlockSet(d["blocks"])
        coef = np.asarray(d["coef"], dtype=float)
        if coef.ndim != 2 or coef.shape[1] != blocks.size:
            raise ModelError(f"task {name}: coefficient shape {coef.shape} does not fit its {blocks.size} features")
        intercept = np.asarray(d["intercept"], dtype=float)
        if len(intercept) != coef.shape[0]:
            raise ModelError(f"task {name}: intercept length does not fit the coefficients")
        if d["kind"] not in ("binary", "sentence", "multinomial"):
            raise ModelError(f"task {name}: unknown kind {d['kind']!r}")
        cal = d.get("calibration")
        return cls(name=name, kind=d["kind"], classes=[str(c) for c in d["classes"]], blocks=blocks, coef=coef,
                   intercept=intercept, calibration=(float(cal[0]), float(cal[1])) if cal else None,
                   threshold=float(d.get("threshold", 0.5)), positive=tuple(d.get("positive", ())))

    def scores(self, x: Any, counts: dict[str, int] | None = None) -> np.ndarray:
        return self.coef @ self.blocks.vector(x, counts) + self.intercept

    def sentence_scores(self, sentences: Sequence[str]) -> list[float]:
        return [float(self.scores(s)[0]) for s in sentences]

    def calibrate(self, score: float) -> float:
        a, b = self.calibration or (1.0, 0.0)
        return _sigmoid(a * score + b)

    def margin(self, p: float) -> float:
        """Distance of a calibrated probability from the threshold, in logit units."""
        return abs(_logit(p) - _logit(self.threshold))

    def distribution(self, x: Any, counts: dict[str, int] | None = None) -> dict[str, float]:
        s = self.scores(x, counts)
        if len(s) == 1:  # two classes: scikit-learn keeps one row, the score of the second class
            p = _sigmoid(float(s[0]))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        e = np.exp(s - s.max())
        return dict(zip(self.classes, (float(v) for v in e / e.sum()), strict=True))

    def term_weights(self, block: str) -> dict[str, float]:
        """Coefficient per term of one block (for evidence): the positive class minus the rest."""
        if self.kind == "multinomial" and self.positive and len(self.coef) == 1:
            w = self.coef[0] if self.classes[1] in self.positive else -self.coef[0]
        elif self.kind == "multinomial" and self.positive:
            rows = [i for i, c in enumerate(self.classes) if c in self.positive]
            others = [i for i in range(len(self.classes)) if i not in rows]
            w = self.coef[rows].mean(axis=0) - (self.coef[others].mean(axis=0) if others else 0.0)
        else:
            w = self.coef[0]
        out: dict[str, float] = {}
        for term, value in zip(self.blocks.terms(), w, strict=True):
            name, _, t = term.partition(":")
            if name == block and value != 0:
                out[t] = float(value)
        return out


# --------------------------------------------------------------------------------------------
# The whole model
# --------------------------------------------------------------------------------------------


class ProgramModel:
    """is_program, program_type and the six tags, with calibrated confidences and evidence."""

    def __init__(self, payload: dict[str, Any]) -> None:
        if payload.get("format") != FORMAT:
            raise ModelError(f"unsupported model format {payload.get('format')!r}; expected {FORMAT!r}")
        if payload.get("signals_digest") != signal_table_digest():
            raise ModelError(
                "the domain signals (classify/data/signals.toml, filled from base/data/*.csv) changed since "
                "this model was trained; retrain with `make train`"
            )
        try:
            self.tasks = {name: Task.from_json(name, d) for name, d in payload["tasks"].items()}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelError(f"corrupt model artefact: {exc!r}") from exc
        missing = {"is_program", "program_type", *TAGS} - set(self.tasks)
        if missing:
            raise ModelError(f"model artefact lacks tasks: {sorted(missing)}")
        rules = payload.get("rules", list(RULES))
        unknown = set(rules) - set(RULES)
        if unknown:
            raise ModelError(f"model artefact names unknown rules {sorted(unknown)}; expected some of {RULES}")
        self.rules = frozenset(rules)
        self.version: str = str(payload.get("version", "unversioned"))
        self.payload = payload
        self._word_weights = {name: task.term_weights("body") for name, task in self.tasks.items()
                              if task.kind != "sentence"}

    def to_json(self) -> dict[str, Any]:
        return self.payload

    def predict(self, docs: Sequence[DocInput]) -> list[Prediction]:
        return [self._predict_one(doc) for doc in docs]

    def doc_view(self, doc: DocInput) -> DocView:
        return doc.view or view(cap_text(doc.text or ""), url=doc.url, host=doc.host)

    def probabilities(self, v: DocView, title: str | None = None) -> dict[str, Any]:
        """Per task: calibrated P(is_program), P(tag | programme), the type distribution; for tags
        scored per sentence also the best sentence (``sentence:TAG``)."""
        counts = signal_counts(v.body)
        out: dict[str, Any] = {}
        for name, task in self.tasks.items():
            if name == "program_type":
                tv = v
                if title and title.strip() and title.strip() not in v.opening:
                    tv = dataclasses.replace(v, opening=f"{title.strip()}\n{v.opening}")
                out[name] = task.distribution(tv, None if tv is not v else counts)
            elif task.kind == "multinomial":
                dist = task.distribution(v, counts)
                p = sum(dist.get(c, 0.0) for c in task.positive)
                out[name] = task.calibrate(_logit(p))
            elif task.kind == "sentence":
                sentence, s = best_sentence(v.body, task.sentence_scores, CONTRADICTIONS.get(name))
                out[name] = task.calibrate(s)
                out[f"sentence:{name}"] = sentence
            else:
                out[name] = task.calibrate(float(task.scores(v, counts)[0]))
        return out

    def screen(self, doc: DocInput) -> float:
        """Calibrated P(programme) alone, after the hand rules (what the crawler needs of every page)."""

        v = self.doc_view(doc)
        task = self.tasks["is_program"]
        dist = task.distribution(v, signal_counts(v.body))
        p = task.calibrate(_logit(sum(dist.get(c, 0.0) for c in task.positive)))
        text = doc.text or ""
        if ("draft_marker" in self.rules and find_draft_marker(text)) or guard_reason(text, self.rules):
            p = min(p, DRAFT_CAP)
        return p

    def _predict_one(self, doc: DocInput) -> Prediction:
        text = doc.text or ""
        v = self.doc_view(doc)
        probs = self.probabilities(v, doc.title)
        prog = self.tasks["is_program"]
        p_prog = probs["is_program"]
        reasons: list[str] = []
        # Hand rules that override the model (kept only while they hold on the held-out part; the
        # artefact lists the ones in force): a draft marker heading the first page, a text without a
        # single business word, a hub page of links and contact lines.
        veto = None
        if "draft_marker" in self.rules and find_draft_marker(text):
            veto = "draft_marker"
        elif guard := guard_reason(text, self.rules):
            veto = guard
        if veto:
            if p_prog >= prog.threshold:
                reasons.append(veto)
            p_prog = min(p_prog, DRAFT_CAP)
        is_prog = p_prog >= prog.threshold and not veto
        if prog.margin(p_prog) < REVIEW_MARGIN:
            reasons.append("is_program")
        type_dist: dict[str, float] = probs["program_type"]
        program_type = max(type_dist, key=lambda k: type_dist[k]) if is_prog else None
        if is_prog and type_dist[program_type or ""] < 0.6:
            reasons.append("program_type")
        pages = list(doc.pages) if doc.pages else None
        tags: dict[str, bool] = {}
        confidence: dict[str, float] = {"is_program": p_prog}
        thresholds: dict[str, float] = {"is_program": prog.threshold}
        evidence: dict[str, Evidence] = {}
        for label in TAGS:
            task = self.tasks[label]
            p_cond = probs[label]
            on = bool(is_prog and p_cond >= task.threshold)
            if on:
                # A tag stands only with a sentence that supports it and does not say the opposite
                # ("tagits fram av kommunens tjänstemän"); without one it is not published.
                ev = (Evidence(quote=_quote(probs[f"sentence:{label}"]), page=None)
                      if task.kind == "sentence" and probs.get(f"sentence:{label}")
                      else find_evidence(label, text, pages, self._word_weights.get(label, {}),
                                         exclude=CONTRADICTIONS.get(label)))
                if ev is None:
                    on = False
                    reasons.append(f"{label}:no_evidence")
                else:
                    evidence[label] = ev
            tags[label] = on
            # The probability that the label is true of this document: P(programme) * P(tag | programme).
            confidence[label] = p_prog * p_cond
            thresholds[label] = task.threshold
            if is_prog and task.margin(p_cond) < REVIEW_MARGIN:
                reasons.append(label)
        # Yearly activity plans are action plans (corpus README).
        if tags["annual_activities"] and not tags["action_plan"]:
            tags["action_plan"] = True
            confidence["action_plan"] = max(confidence["action_plan"], confidence["annual_activities"])
            if "annual_activities" in evidence:
                evidence["action_plan"] = evidence["annual_activities"]
        if is_prog:
            confidence["program_type"] = type_dist[program_type or ""]
            ev = find_evidence("is_program", text, pages, self._word_weights.get("is_program", {}))
            if ev is not None:
                evidence["is_program"] = ev
        valid_from, valid_to, extended = find_period(text) if is_prog else (None, None, False)
        return Prediction(
            id=doc.id,
            is_program=bool(is_prog),
            program_type=program_type,
            rus_link=tags["rus_link"],
            intermunicipal_link=tags["intermunicipal_link"],
            regional_category=regional_category(tags["rus_link"], tags["intermunicipal_link"]),
            action_plan=tags["action_plan"],
            sustainability=tags["sustainability"],
            business_collaboration=tags["business_collaboration"],
            annual_activities=tags["annual_activities"],
            valid_from=valid_from,
            valid_to=valid_to,
            confidence=confidence,
            evidence=evidence,
            needs_review=bool(reasons),
            extended=extended,
            review_reasons=reasons,
            thresholds=thresholds,
        )


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= MAX_QUOTE else sentence[: MAX_QUOTE - 1].rstrip() + "…"


def guard_reason(text: str, rules: frozenset[str] | set[str] = frozenset(RULES)) -> str | None:
    """``no_business_words`` or ``hub_page`` when the text cannot be a programme, else None."""
    if "no_business_words" in rules and business_words(text) == 0:
        return "no_business_words"
    if "hub_page" in rules and is_hub_page(text):
        return "hub_page"
    return None


def load_model(path: Path | None = None) -> ProgramModel:
    """Load the shipped artefact (``classify/model/model.json``) or the one at ``path``."""
    file = path or MODEL_DIR / MODEL_FILE
    if file.is_dir():
        file = file / MODEL_FILE
    # Digest, structure, classes, specs and finite numbers are checked before anything is built from it.
    tasks: dict[str, tuple[str, ...] | None] = {
        "is_program": None, **dict.fromkeys(TAGS, BINARY_CLASSES), "program_type": PROGRAM_TYPES}
    return ProgramModel(read_artefact(file, classes=tasks, signals=frozenset(signal_counts("")), fmt=FORMAT))


# --------------------------------------------------------------------------------------------
# The predict JSONL contract
# --------------------------------------------------------------------------------------------


def json_lines(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line; a bad line raises UsageError naming file and line."""
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot open {what} ({exc.strerror})") from exc
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise UsageError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, obj


def read_jsonl_docs(path: Path) -> Iterable[DocInput]:
    """Input lines ``{"id", "text", ...}``; a bad line raises UsageError naming file and line."""
    for lineno, obj in json_lines(path, "input"):
        if "id" not in obj or not isinstance(obj.get("text"), str):
            raise UsageError(f'{path}:{lineno}: expected an object with "id" and a string "text"')
        pages = obj.get("pages")
        yield DocInput(
            id=str(obj["id"]),
            text=obj["text"],
            pages=pages if isinstance(pages, list) else None,
            title=_str_or_none(obj.get("title")),
            municipality=_str_or_none(obj.get("municipality")),
            url=_str_or_none(obj.get("url")),
            host=obj["host"] if obj.get("host") in HOST_KINDS else None,
        )


def _str_or_none(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def predict_jsonl(model: ProgramModel, in_path: Path, out_path: Path) -> int:
    """Classify every line of ``in_path`` into ``out_path``; returns the number of lines written."""
    docs = list(read_jsonl_docs(Path(in_path)))
    preds = model.predict(docs)
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for pred in preds:
            fh.write(json.dumps(pred.to_json(), ensure_ascii=False) + "\n")
    tmp.replace(out_path)
    return len(preds)


def prediction_as_dict(pred: Prediction) -> dict[str, Any]:
    """Everything, including evidence pages and review reasons (for the store)."""
    d = asdict(pred)
    d["evidence"] = {k: {"quote": v.quote, "page": v.page} for k, v in pred.evidence.items()}
    return d
