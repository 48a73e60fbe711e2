"""The feature blocks of the classifier: stock scikit-learn pieces at training time, plain JSON after.

A model task is a ``FeatureUnion`` of blocks, each reading one field of a ``DocView`` (or one sentence):

| kind    | what                                                     | fitted by                     |
|---------|----------------------------------------------------------|-------------------------------|
| `char`  | character n-grams within words (compounds, inflection, OCR noise) | `TfidfVectorizer(char_wb)` |
| `stems` | Swedish word stems                                       | `TfidfVectorizer(analyzer=StemAnalyzer())` |
| `tokens`| location tokens (`host_own section_news`), counted       | `TfidfVectorizer(token_pattern=r"\\S+")` |
| `specs` | the task's domain specs over the signal table            | `DomainFeatures`              |
| `hits`  | hits of named signals in one sentence (capped at 2)      | `SignalHits`                  |

``export_union`` writes a fitted union as JSON (vocabularies, idf, weights); ``BlockSet`` rebuilds the same
feature vector from that JSON with numpy, so loading a model runs no code from the file.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from base.errors import ModelError
from classify.signals import signal_counts, signal_hits
from classify.specs import TASK_SPECS, eval_spec, signal_vector
from classify.text import StemAnalyzer

FIELDS = ("heading", "opening", "body", "location", "sentence")


class Field(BaseEstimator, TransformerMixin):
    """Picks one field of each input (a ``DocView`` attribute; ``sentence`` is the input itself)."""

    def __init__(self, name: str = "body") -> None:
        self.name = name

    def fit(self, X: Sequence[Any], y: object = None) -> Field:
        if self.name not in FIELDS:
            raise ValueError(f"unknown field {self.name!r}; expected one of {FIELDS}")
        return self

    def transform(self, X: Sequence[Any]) -> list[str]:
        return [pick(x, self.name) for x in X]

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless


def pick(x: Any, name: str) -> str:
    if name == "sentence":
        return str(x)
    if name == "location":
        return str(x.location_tokens())
    return str(getattr(x, name))


class DomainFeatures(BaseEstimator, TransformerMixin):
    """Text -> the task's domain specs (``classify.specs.TASK_SPECS``) evaluated on it."""

    def __init__(self, task: str = "is_program") -> None:
        self.task = task

    def fit(self, X: Sequence[str], y: object = None) -> DomainFeatures:
        if self.task not in TASK_SPECS:
            raise ValueError(f"unknown task {self.task!r}; expected one of {sorted(TASK_SPECS)}")
        self.specs_ = TASK_SPECS[self.task]
        return self

    def transform(self, X: Sequence[str]) -> np.ndarray:
        return np.array([signal_vector(t, self.specs_) for t in X], dtype=float).reshape(len(X), -1)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([json.dumps(s, ensure_ascii=False) for s in self.specs_], dtype=object)


class SignalHits(BaseEstimator, TransformerMixin):
    """Hits of each named signal in a sentence, capped at 2 (one sentence rarely says a thing thrice)."""

    def __init__(self, names: tuple[str, ...] = ()) -> None:
        self.names = names

    def fit(self, X: Sequence[str], y: object = None) -> SignalHits:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return True  # stateless

    def transform(self, X: Sequence[str]) -> np.ndarray:
        return np.array([[min(signal_hits(s, (n,)), 2) for n in self.names] for s in X], dtype=float).reshape(
            len(X), len(self.names))


# -- building ---------------------------------------------------------------------------------


def char_block(field: str, ngram: tuple[int, int] = (2, 5), max_features: int | None = 5000) -> Pipeline:
    return Pipeline([("field", Field(field)), ("vec", TfidfVectorizer(
        analyzer="char_wb", ngram_range=ngram, min_df=2, sublinear_tf=True, lowercase=True,
        max_features=max_features))])


def stems_block(field: str) -> Pipeline:
    return Pipeline([("field", Field(field)),
                     ("vec", TfidfVectorizer(analyzer=StemAnalyzer(), min_df=2, sublinear_tf=True))])


def tokens_block(field: str = "location") -> Pipeline:
    return Pipeline([("field", Field(field)), ("vec", TfidfVectorizer(
        token_pattern=r"\S+", lowercase=False, use_idf=False, norm=None))])


def specs_block(task: str, field: str = "body") -> Pipeline:
    return Pipeline([("field", Field(field)), ("vec", DomainFeatures(task))])


def hits_block(names: Sequence[str]) -> Pipeline:
    return Pipeline([("field", Field("sentence")), ("vec", SignalHits(tuple(names)))])


# -- export and scoring -------------------------------------------------------------------------


def _export_block(name: str, pipe: Pipeline, weight: float) -> dict[str, Any]:
    field = pipe.named_steps["field"].name
    vec = pipe.named_steps["vec"]
    out: dict[str, Any] = {"name": name, "field": field, "weight": weight}
    if isinstance(vec, DomainFeatures):
        return {**out, "kind": "specs", "specs": vec.specs_}
    if isinstance(vec, SignalHits):
        return {**out, "kind": "hits", "names": list(vec.names)}
    if not isinstance(vec, TfidfVectorizer):
        raise TypeError(f"block {name}: cannot export {type(vec).__name__}")
    vocab = sorted(vec.vocabulary_, key=lambda t: vec.vocabulary_[t])
    if vec.analyzer == "char_wb":
        kind = "char"
    elif isinstance(vec.analyzer, StemAnalyzer):
        kind = "stems"
    else:
        kind = "tokens"
    block = {**out, "kind": kind, "vocabulary": vocab, "ngram": list(vec.ngram_range)}
    if vec.use_idf:
        block["idf"] = [round(float(v), 6) for v in vec.idf_]
    return block


def export_union(union: FeatureUnion) -> list[dict[str, Any]]:
    weights = union.transformer_weights or {}
    return [_export_block(name, pipe, float(weights.get(name, 1.0))) for name, pipe in union.transformer_list]


class BlockSet:
    """The exported blocks of one task: ``vector(x)`` equals the fitted union's ``transform([x])``."""

    def __init__(self, blocks: Sequence[dict[str, Any]]) -> None:
        self.blocks = [dict(b) for b in blocks]
        self._analyzers: list[Callable[[str], list[str]] | None] = []
        self._vocab: list[dict[str, int]] = []
        self._idf: list[np.ndarray | None] = []
        self.size = 0
        for b in self.blocks:
            kind = b.get("kind")
            if b.get("field") not in FIELDS:
                raise ModelError(f"block {b.get('name')}: unknown field {b.get('field')!r}")
            if kind in ("char", "stems", "tokens"):
                vocab = {t: i for i, t in enumerate(b["vocabulary"])}
                idf = np.asarray(b["idf"], dtype=float) if "idf" in b else None
                if idf is not None and len(idf) != len(vocab):
                    raise ModelError(f"block {b['name']}: idf length does not fit the vocabulary")
                self._vocab.append(vocab)
                self._idf.append(idf)
                self._analyzers.append(_analyzer(kind, tuple(b.get("ngram", (1, 1)))))
                b["_size"] = len(vocab)
            elif kind in ("specs", "hits"):
                self._vocab.append({})
                self._idf.append(None)
                self._analyzers.append(None)
                b["_size"] = len(b["specs"] if kind == "specs" else b["names"])
            else:
                raise ModelError(f"block {b.get('name')}: unknown kind {kind!r}")
            self.size += b["_size"]

    def vector(self, x: Any, counts: dict[str, int] | None = None) -> np.ndarray:
        parts = []
        for b, analyzer, vocab, idf in zip(self.blocks, self._analyzers, self._vocab, self._idf, strict=True):
            text = pick(x, b["field"])
            if b["kind"] == "specs":
                c = counts if counts is not None and b["field"] == "body" else signal_counts(text)
                v = np.array([eval_spec(s, c) for s in b["specs"]], dtype=float)
            elif b["kind"] == "hits":
                v = np.array([min(signal_hits(text, (n,)), 2) for n in b["names"]], dtype=float)
            else:
                assert analyzer is not None
                v = np.zeros(len(vocab))
                for term, n in Counter(analyzer(text)).items():
                    j = vocab.get(term)
                    if j is not None:
                        v[j] = (1.0 + math.log(n)) * idf[j] if idf is not None else float(n)
                if idf is not None:
                    norm = np.linalg.norm(v)
                    if norm > 0:
                        v /= norm
            parts.append(v * b["weight"])
        return np.concatenate(parts) if parts else np.zeros(0)

    def terms(self) -> list[str]:
        """A name per feature (``block:term``), in vector order: for evidence and inspection."""
        out: list[str] = []
        for b in self.blocks:
            if b["kind"] == "specs":
                out.extend(f"{b['name']}:{i}" for i in range(len(b["specs"])))
            elif b["kind"] == "hits":
                out.extend(f"{b['name']}:{n}" for n in b["names"])
            else:
                out.extend(f"{b['name']}:{t}" for t in b["vocabulary"])
        return out


def _analyzer(kind: str, ngram: tuple[int, ...]) -> Callable[[str], list[str]]:
    if kind == "char":
        lo, hi = ngram
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi), lowercase=True).build_analyzer()
    if kind == "stems":
        return StemAnalyzer()
    return str.split
