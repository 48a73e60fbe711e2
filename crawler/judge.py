"""The page classifier in the crawl loop: every page and document a municipality's crawl fetches is read
and scored by the programme model, and its verdict steers the crawl (the focused-crawler design).

Reading happens off the reactor thread: an HTML page's main text by trafilatura in fast mode (in a
thread), a PDF or DOCX by the extraction worker processes (``classify.extract``: killable, memory- and
time-limited, as in the extract stage, whose cache the documents' extractions then fill). Scoring runs on
the reactor thread when the answer is applied, in request order, so the crawl stays deterministic.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from classify.document import host_kind
from classify.extract import Extraction, ExtractionFailure, ExtractLimits, extract_bytes
from classify.extract_html import extract_html
from classify.extract_worker import WorkerPool
from classify.model import DocInput, ProgramModel, load_model
from classify.select import MIN_JUDGE_WORDS, content_words
from inventory.errors import ExtractionError


@dataclass(frozen=True)
class Reading:
    """What was read of one response: the extraction (documents: the full one, saved for the extract
    stage; pages: the fast main text, used only to score) and the sha256 of the bytes."""

    sha256: str
    extraction: Extraction
    full: bool  # the extract stage's own extraction (saved with the candidate)
    stored: bool = False  # read from the store (another municipality or an earlier run read it)


class Judge:
    """Holds the model, the reading threads and the extraction workers of one crawl process."""

    def __init__(self, model: ProgramModel, *, workers: int = 2, limits: ExtractLimits | None = None) -> None:
        self.model = model
        self.threshold = model.tasks["is_program"].threshold
        self.limits = limits or ExtractLimits()
        self._pool = WorkerPool(size=workers)
        self._threads = ThreadPoolExecutor(max_workers=workers + 1, thread_name_prefix="judge")

    @classmethod
    def load(cls, model_path: str = "", workers: int = 2) -> Judge:
        return cls(load_model(Path(model_path) if model_path else None), workers=workers)

    async def read(self, body: bytes, kind: str, content_type: str | None, url: str,
                   filename: str | None) -> Reading:
        """Read a response off the reactor thread (``kind`` from ``crawler.documents.sniff_kind``)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._read, body, kind, content_type, url, filename)

    def _read(self, body: bytes, kind: str, content_type: str | None, url: str, filename: str | None) -> Reading:
        sha = hashlib.sha256(body).hexdigest()
        if kind == "html":
            try:
                page = extract_html(body, content_type, url, fast=True)
                extraction = Extraction(kind="html", pages=[page.text], text=page.text, title=page.title)
            except ExtractionError as exc:
                extraction = Extraction(kind="html", error=ExtractionFailure(exc.code, exc.message))
            return Reading(sha, extraction, full=False)
        extraction = extract_bytes(body, content_type=content_type, filename=filename, url=url,
                                   limits=self.limits, pool=self._pool)
        return Reading(sha, extraction, full=True)

    def probability(self, extraction: Extraction, *, url: str, own_hosts: set[str], business_hosts: set[str],
                    municipality: str) -> float | None:
        """Calibrated P(programme) of what was read, after the model's own rules; None when unreadable."""
        # Too little text to judge (a title line, a menu page): never a hit, as selection never publishes it.
        if extraction.error is not None or content_words(extraction.text) < MIN_JUDGE_WORDS:
            return None
        doc = DocInput(id=url, text=extraction.text, pages=extraction.pages or None, title=extraction.title,
                       municipality=municipality, url=url, host=host_kind(url, own_hosts, business_hosts))
        return self.model.screen(doc)

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._pool.close()
