"""The shipped programme classifier: loading, prediction and the ``predict`` JSONL contract.

The artefact in ``classify/model/model.json`` is plain JSON: for each task the stemmed-word vocabulary
with its idf weights, the domain-feature specs, the logistic-regression coefficients and the Platt
calibration. Loading it runs no code from the file (no pickle). Training lives in ``classify.train``,
which builds stock scikit-learn pipelines and exports them to this format; a test checks that the
exported model scores exactly like the fitted pipeline.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classify.artefact import BINARY_CLASSES, read_artefact
from classify.evidence import Evidence, find_evidence
from classify.features import (
    HEAD_CHARS,
    StemAnalyzer,
    business_words,
    cap_text,
    eval_spec,
    is_hub_page,
    signal_counts,
    signal_table_digest,
)
from inventory.errors import ModelError, UsageError

LABELS = (
    "rus_link",
    "intermunicipal_link",
    "action_plan",
    "sustainability",
    "business_collaboration",
    "annual_activities",
)
PROGRAM_TYPES = ("naringsliv", "tillvaxt", "annat")
MODEL_DIR = Path(__file__).resolve().parent / "model"
MODEL_FILE = "model.json"
FORMAT = "kommunprogram-linear/1"

# A decision whose score lies within this many calibrated logit units of its boundary goes to review.
REVIEW_MARGIN = 1.0
# Confidence cap for a document whose first page carries a draft marker (or fails a guard, ``_guard``).
DRAFT_CAP = 0.1


@dataclass(frozen=True)
class DocInput:
    id: str
    text: str
    pages: Sequence[str] | None = None
    title: str | None = None
    municipality: str | None = None


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

    def to_json(self) -> dict[str, Any]:
        """The ``predict`` contract: evidence as quote strings, pages in ``evidence_pages``."""
        return {
            "id": self.id,
            "is_program": self.is_program,
            "program_type": self.program_type,
            **{label: getattr(self, label) for label in LABELS[:2]},
            "regional_category": self.regional_category,
            **{label: getattr(self, label) for label in LABELS[2:]},
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "confidence": {k: round(v, 4) for k, v in self.confidence.items()},
            "evidence": {k: ev.quote for k, ev in self.evidence.items()},
            "evidence_pages": {k: ev.page for k, ev in self.evidence.items()},
            "needs_review": self.needs_review,
        }


def regional_category(rus: bool, intermunicipal: bool) -> str:
    return "rus" if rus else "intermunicipal" if intermunicipal else "none"


# --------------------------------------------------------------------------------------------
# One linear task, scored without scikit-learn at predict time
# --------------------------------------------------------------------------------------------


@dataclass
class LinearTask:
    """tf-idf(stemmed words) ⊕ domain specs -> linear scores (one row per class)."""

    name: str
    classes: list[str]
    vocabulary: dict[str, int]
    idf: np.ndarray
    word_weight: float
    head_only: bool
    specs: list[Any]
    spec_weight: float
    coef: np.ndarray  # (n_rows, n_vocab + n_specs); one row for binary tasks
    intercept: np.ndarray
    calibration: tuple[float, float] | None
    threshold: float

    @classmethod
    def from_json(cls, name: str, d: dict[str, Any]) -> LinearTask:
        vocab_list = d["vocabulary"]
        coef = np.asarray(d["coef"], dtype=float)
        if coef.ndim != 2 or coef.shape[1] != len(vocab_list) + len(d["specs"]):
            raise ModelError(f"task {name}: coefficient shape {coef.shape} does not fit its features")
        if len(d["idf"]) != len(vocab_list) or len(d["intercept"]) != coef.shape[0]:
            raise ModelError(f"task {name}: idf or intercept length does not fit the vocabulary/coefficients")
        cal = d.get("calibration")
        return cls(
            name=name,
            classes=list(d["classes"]),
            vocabulary={t: i for i, t in enumerate(vocab_list)},
            idf=np.asarray(d["idf"], dtype=float),
            word_weight=float(d["word_weight"]),
            head_only=bool(d.get("head_only", False)),
            specs=list(d["specs"]),
            spec_weight=float(d["spec_weight"]),
            coef=coef,
            intercept=np.asarray(d["intercept"], dtype=float),
            calibration=(float(cal[0]), float(cal[1])) if cal else None,
            threshold=float(d.get("threshold", 0.5)),
        )

    def features(self, text: str, counts: dict[str, int], analyzer: StemAnalyzer) -> np.ndarray:
        """The same vector as the training pipeline: sublinear tf * idf, l2-normalised, then specs."""
        words = np.zeros(len(self.vocabulary))
        source = text[:HEAD_CHARS] if self.head_only else text
        for term, n in Counter(analyzer(source)).items():
            j = self.vocabulary.get(term)
            if j is not None:
                words[j] = (1.0 + math.log(n)) * self.idf[j]
        norm = np.linalg.norm(words)
        if norm > 0:
            words /= norm
        spec_vals = np.array([eval_spec(s, counts) for s in self.specs], dtype=float)
        return np.concatenate([words * self.word_weight, spec_vals * self.spec_weight])

    def decision(self, x: np.ndarray) -> np.ndarray:
        return self.coef @ x + self.intercept

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Calibrated P(positive) for binary tasks; softmax over classes for multiclass ones."""
        s = self.decision(x)
        if len(self.classes) == 2:
            a, b = self.calibration or (1.0, 0.0)
            p = 1.0 / (1.0 + math.exp(-(a * float(s[0]) + b)))
            return np.array([1.0 - p, p])
        e = np.exp(s - s.max())
        return e / e.sum()

    def margin(self, x: np.ndarray) -> float:
        """Distance from the decision boundary in calibrated logit units (binary tasks)."""
        a = self.calibration[0] if self.calibration else 1.0
        return abs(a * float(self.decision(x)[0]))

    def word_weights(self, row: int = 0) -> dict[str, float]:
        """Coefficient per vocabulary term (for evidence scoring)."""
        n = len(self.vocabulary)
        inv = {i: t for t, i in self.vocabulary.items()}
        return {inv[i]: float(self.coef[row, i]) for i in range(n) if self.coef[row, i] != 0}


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
                "the domain signals in classify/features.py changed since this model was trained; "
                "retrain with `make train`"
            )
        try:
            self.tasks = {name: LinearTask.from_json(name, d) for name, d in payload["tasks"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"corrupt model artefact: {exc!r}") from exc
        missing = {"is_program", "program_type", *LABELS} - set(self.tasks)
        if missing:
            raise ModelError(f"model artefact lacks tasks: {sorted(missing)}")
        self.version: str = str(payload.get("version", "unversioned"))
        self.payload = payload
        self._analyzer = StemAnalyzer()
        self._word_weights = {
            name: task.word_weights(0) for name, task in self.tasks.items() if len(task.classes) == 2
        }

    def to_json(self) -> dict[str, Any]:
        return self.payload

    def predict(self, docs: Sequence[DocInput]) -> list[Prediction]:
        return [self._predict_one(doc) for doc in docs]

    def probabilities(self, text: str, title: str | None = None) -> dict[str, Any]:
        """Per task: calibrated P(is_program), P(tag | programme), the type distribution, and for
        binary tasks the margin from the decision boundary (``margin:TASK``).

        ``title`` (the extracted document title, when known) is put in front of the text for the type,
        which is read from the document's own title."""
        capped = cap_text(text)
        counts = signal_counts(capped)
        titled = f"{title}\n{capped}" if title and not capped.lstrip().startswith(title) else capped
        out: dict[str, Any] = {}
        for name, task in self.tasks.items():
            if name == "program_type" and titled is not capped:
                x = task.features(titled, signal_counts(titled), self._analyzer)
            else:
                x = task.features(capped, counts, self._analyzer)
            p = task.probability(x)
            if name == "program_type":
                out[name] = dict(zip(task.classes, (float(v) for v in p), strict=True))
            else:
                out[name] = float(p[task.classes.index("True")])
                out[f"margin:{name}"] = task.margin(x)
        return out

    def _predict_one(self, doc: DocInput) -> Prediction:
        from classify.metadata import find_draft_marker, find_period  # owned by the extraction helper

        text = doc.text or ""
        probs = self.probabilities(text, doc.title)
        p_prog = probs["is_program"]
        reasons: list[str] = []
        # Drafts and consultation versions are not programmes (corpus README). A draft marker heading
        # the first page ("Förslag", "Samrådshandling", "UTKAST") overrides the model.
        draft = find_draft_marker(text)
        if draft:
            p_prog = min(p_prog, DRAFT_CAP)
            if probs["is_program"] >= self.tasks["is_program"].threshold:
                reasons.append("draft_marker")
        # Definitional guards the excerpts cannot teach (every corpus document is a full text about business):
        # a text without a single business word is not a business programme ("Policy för lokalförsörjning"),
        # and a hub page of links and contact lines presents no programme (it links to one, or to none).
        guard = guard_reason(text)
        if guard:
            p_prog = min(p_prog, DRAFT_CAP)
            if probs["is_program"] >= self.tasks["is_program"].threshold:
                reasons.append(guard)
        # Thresholds sit at the class-balanced boundary (decision score 0), expressed as a probability.
        is_prog = p_prog >= self.tasks["is_program"].threshold and not draft and not guard
        if probs["margin:is_program"] < REVIEW_MARGIN:
            reasons.append("is_program")
        type_dist: dict[str, float] = probs["program_type"]
        program_type = max(type_dist, key=lambda k: type_dist[k]) if is_prog else None
        if is_prog and type_dist[program_type or ""] < 0.6:
            reasons.append("program_type")
        tags: dict[str, bool] = {}
        confidence: dict[str, float] = {"is_program": p_prog}
        for label in LABELS:
            p_cond = probs[label]
            tags[label] = bool(is_prog and p_cond >= self.tasks[label].threshold)
            # The probability that the label is true of this document: P(programme) * P(tag | programme).
            confidence[label] = p_prog * p_cond
            if is_prog and probs[f"margin:{label}"] < REVIEW_MARGIN:
                reasons.append(label)
        # Yearly activity plans are action plans (corpus README; all annual positives are action-plan
        # positives in the corpus).
        if tags["annual_activities"] and not tags["action_plan"]:
            tags["action_plan"] = True
            confidence["action_plan"] = max(confidence["action_plan"], confidence["annual_activities"])
        if is_prog:
            confidence["program_type"] = type_dist[program_type or ""]
        evidence: dict[str, Evidence] = {}
        pages = list(doc.pages) if doc.pages else None
        if is_prog:
            for label in ("is_program", *LABELS):
                if label == "is_program" or tags[label]:
                    ev = find_evidence(label, text, pages, self._word_weights.get(label, {}))
                    if ev is not None:
                        evidence[label] = ev
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
        )


def guard_reason(text: str) -> str | None:
    """``no_business_words`` or ``hub_page`` when the text cannot be a programme, else None."""
    if business_words(text) == 0:
        return "no_business_words"
    if is_hub_page(text):
        return "hub_page"
    return None


def load_model(path: Path | None = None) -> ProgramModel:
    """Load the shipped artefact (``classify/model/model.json``) or the one at ``path``."""
    file = path or MODEL_DIR / MODEL_FILE
    if file.is_dir():
        file = file / MODEL_FILE
    # Digest, structure, classes, specs and finite numbers are checked before anything is built from it.
    tasks = {"is_program": BINARY_CLASSES, **dict.fromkeys(LABELS, BINARY_CLASSES), "program_type": PROGRAM_TYPES}
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
            title=obj.get("title") if isinstance(obj.get("title"), str) else None,
            municipality=obj.get("municipality") if isinstance(obj.get("municipality"), str) else None,
        )


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
