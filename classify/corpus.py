"""The labelled corpus: reading it, and its documents as the pipeline would hand them over.

The corpus (``../shared/corpus/dev.jsonl``, or ``$KOMMUNPROGRAM_CORPUS``) is read at run time and never
copied into the repository. A labelled document becomes a ``DocInput`` whose view (``classify.document``)
takes its host kind from the document's URL and its municipality's website, as the crawler would know it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from base.errors import UsageError
from base.municipalities import bundled_path, read_municipalities
from base.vocabulary import TAGS
from classify.document import DocView, business_host_guess, cap_text, host_kind, view
from classify.model import DocInput, json_lines

# -- data --------------------------------------------------------------------------------------


def default_corpus_path() -> Path:
    """``$KOMMUNPROGRAM_CORPUS`` or ``../shared/corpus/dev.jsonl`` relative to the repository root."""
    env = os.environ.get("KOMMUNPROGRAM_CORPUS")
    if env:
        p = Path(env)
        return p / "dev.jsonl" if p.is_dir() else p
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev.jsonl"


REQUIRED = ("id", "text", "is_program", "program_type", *TAGS)


def load_corpus(path: Path) -> list[dict[str, Any]]:
    records = []
    for lineno, rec in json_lines(path, "corpus"):
        missing = [k for k in REQUIRED if k not in rec]
        if missing:
            raise UsageError(f"{path}:{lineno}: missing fields {missing}")
        rec.setdefault("url", None)
        records.append(rec)
    if not records:
        raise UsageError(f"{path}: no records")
    return records


def records_digest(records: Sequence[dict[str, Any]]) -> str:
    """Identifies the documents a model was trained on (ids and labels, in corpus order)."""
    keys = ("id", "text", "is_program", "program_type", *TAGS)
    blob = json.dumps([[r.get(k) for k in keys] for r in records], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# -- the corpus's documents as the classifier sees them ------------------------------------------


@cache
def _websites() -> dict[str, str]:
    return {m.name: urlsplit(m.website).hostname or "" for m in read_municipalities(bundled_path())}


def _clean_transcript(text: str) -> str:
    """A transcript site lists *other* documents after the text ("Relevanta dokument"): not this one's."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().lower() == "relevanta dokument":
            return "\n".join(lines[:i])
    return text


def corpus_view(rec: dict[str, Any]) -> DocView:
    """A labelled document's view: its host kind from its URL and its municipality's website."""
    m = rec.get("municipality")
    own = [_websites()[m]] if m in _websites() else []
    business = [urlsplit(rec["url"]).hostname or ""] if business_host_guess(rec.get("url"), m) else []
    kind = host_kind(rec.get("url"), own, business)
    text = _clean_transcript(rec["text"]) if kind == "unknown" else rec["text"]
    return view(cap_text(text), url=rec.get("url"), host=kind)


def doc_input(rec: dict[str, Any]) -> DocInput:
    """A labelled document as the pipeline would hand it over: its view comes from the corpus URL."""
    return DocInput(id=str(rec["id"]), text=rec["text"], municipality=rec.get("municipality"),
                    url=rec.get("url"), view=corpus_view(rec))
