"""The page classifier in the crawl loop: every page and document a municipality's crawl fetches is read
and scored by the programme model, and its verdict steers the crawl (the focused-crawler design).

Reading happens off the reactor thread: an HTML page's main text by trafilatura in fast mode (in a
thread), a PDF or DOCX by the extraction worker processes (``extract.reader``: killable, memory- and
time-limited, as in the extract stage, whose cache the documents' extractions then fill). Scoring runs on
the reactor thread when the answer is applied, in request order, so the crawl stays deterministic.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from base.errors import ExtractionError
from base.inforce import period_timing
from base.settings import ExtractSettings
from classify.document import host_kind
from classify.model import DocInput, ProgramModel, load_model
from classify.select import MIN_JUDGE_WORDS, content_words, other_municipality
from extract.html import extract_html
from extract.metadata import find_period
from extract.reader import Extraction, ExtractionFailure, extract_bytes
from extract.worker import WorkerPool


@dataclass(frozen=True)
class Verdict:
    """What the model makes of one page or document: P(programme), whether its stated period covers the
    inventory year (``base.inforce.period_timing``), and another municipality it is about, if any."""

    probability: float
    timing: str
    other_municipality: str | None

    def hit(self, threshold: float) -> bool:
        return self.probability >= threshold and self.other_municipality is None

    def confident(self, threshold: float) -> bool:
        """Sure enough to stop: very probable, this municipality's, and stated to be in force."""
        return self.hit(threshold) and self.timing == "current"


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

    def __init__(self, model: ProgramModel, *, workers: int = 2, limits: ExtractSettings | None = None) -> None:
        self.model = model
        self.threshold = model.tasks["is_program"].threshold
        self.limits = limits or ExtractSettings()
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

    def verdict(self, extraction: Extraction, *, url: str, own_hosts: set[str], business_hosts: set[str],
                municipality: str, year: int) -> Verdict | None:
        """The model's verdict on what was read; None when it cannot be judged."""
        # Too little text to judge (a title line, a menu page): never a hit, as selection never publishes it.
        if extraction.error is not None or content_words(extraction.text) < MIN_JUDGE_WORDS:
            return None
        text = extraction.text
        doc = DocInput(id=url, text=text, pages=extraction.pages or None, title=extraction.title,
                       municipality=municipality, url=url, host=host_kind(url, own_hosts, business_hosts))
        valid_from, valid_to, extended = (extraction.valid_from, extraction.valid_to, extraction.extended)
        if valid_from is None and valid_to is None:
            valid_from, valid_to, extended = find_period(text)
        return Verdict(probability=self.model.screen(doc),
                       timing=period_timing(valid_from, valid_to, extended, year),
                       other_municipality=other_municipality(text, municipality, extraction.title))

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._pool.close()
