"""Document text and metadata extraction: PDF, DOCX, HTML and plain text -> ``Extraction``.

``extract_bytes`` never raises for a bad document: the result carries an ``ExtractionFailure`` with a
stable reason code (docs/extraction.md lists them). Parsing runs in a worker process
(``extract.worker``) that is killed when ``ExtractSettings.timeout_s`` passes, so a document that
makes a parser hang (or crash in C code) costs one worker, not the run. Inside the worker, PDF extraction
also checks a soft deadline between pages and returns the pages read so far.
"""

from __future__ import annotations

import atexit
import threading
import time
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from base.errors import ExtractionError, UsageError
from base.settings import ExtractSettings
from extract import metadata
from extract.docx import extract_docx
from extract.html import decode_text, extract_html
from extract.pdf import extract_pdf
from extract.worker import WorkerCrashed, WorkerPool, WorkerTimeout

# Bump whenever the output for the same bytes can change: the store keys extractions on
# (content hash, EXTRACTOR_VERSION) and re-extracts documents whose version differs.
EXTRACTOR_VERSION = "1.1"  # 1.1: a PDFium hyphen marker before a kept line break is joined
# ``Extraction.text`` joins pages with a form feed on its own line: page boundaries survive, and
# paragraph-splitting on blank lines still works.
PAGE_SEPARATOR = "\n\f\n"
KINDS = ("pdf", "docx", "html", "text")
# Fraction of timeout_s after which the worker stops between pages by itself (the hard kill is at 1.0).
SOFT_DEADLINE_FRACTION = 0.85


@dataclass(frozen=True)
class ExtractionFailure:
    code: str
    message: str


@dataclass
class Extraction:
    kind: str  # pdf | docx | html | text, or "unknown" when the type could not be recognised
    pages: list[str] = field(default_factory=list)
    text: str = ""  # pages joined with PAGE_SEPARATOR ("\n\f\n")
    title: str | None = None
    valid_from: int | None = None
    valid_to: int | None = None
    extended: bool = False
    adopted_by: str | None = None
    adopted_date: str | None = None
    adopted_paragraph: str | None = None
    diarienummer: str | None = None
    draft: bool = False
    draft_marker: str | None = None
    revision_date: str | None = None
    language: str | None = None
    needs_ocr: bool = False
    ocr_used: bool = False
    ocr_pages: int = 0
    page_count: int = 0  # pages in the file (PDF); may exceed len(pages) when a limit stopped reading
    encoding: str | None = None  # HTML and plain text: the encoding the bytes were decoded with
    error: ExtractionFailure | None = None
    notes: list[str] = field(default_factory=list)
    extractor_version: str = EXTRACTOR_VERSION

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The extract-file JSON (``kommunprogram extract-file``); ``pages`` is the number of pages read."""
        return {
            "kind": self.kind,
            "title": self.title,
            "valid_from": self.valid_from,
            "valid_to": self.valid_to,
            "extended": self.extended,
            "adopted_by": self.adopted_by,
            "adopted_date": self.adopted_date,
            "adopted_paragraph": self.adopted_paragraph,
            "diarienummer": self.diarienummer,
            "draft": self.draft,
            "draft_marker": self.draft_marker,
            "revision_date": self.revision_date,
            "language": self.language,
            "pages": len(self.pages),
            "page_count": self.page_count,
            "needs_ocr": self.needs_ocr,
            "ocr_used": self.ocr_used,
            "ocr_pages": self.ocr_pages,
            "encoding": self.encoding,
            "extractor_version": self.extractor_version,
            "notes": list(self.notes),
            "error": None if self.error is None else {"code": self.error.code, "message": self.error.message},
            "text": self.text,
        }


def store_fields(ext: Extraction) -> dict[str, Any]:
    """The ``Store.save_extraction`` keyword arguments of an extraction (the extract stage's and the
    crawler's, which reads documents as it fetches them)."""
    meta = {k: v for k, v in asdict(ext).items() if k not in ("pages", "text", "error")}
    return dict(kind=ext.kind, title=ext.title, text=ext.text, pages=list(ext.pages), meta=meta,
                needs_ocr=ext.needs_ocr, error_code=ext.error.code if ext.error else None,
                error_message=ext.error.message if ext.error else None)


def _failed(kind: str, code: str, message: str) -> Extraction:
    return Extraction(kind=kind, error=ExtractionFailure(code, message))


# ------------------------------------------------------------------------------------ type detection

_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
}
_EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text"}
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<div", b"<p>", b"<p ")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls


def detect_kind(
    data: bytes, content_type: str | None = None, filename: str | None = None, url: str | None = None
) -> str | None:
    """pdf | docx | html | text by magic bytes first, then the content type, then the file name; or None."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, ValueError, OSError):
            # A damaged zip: Word's local headers name "[Content_Types].xml" and "word/..." up front.
            if b"word/" in data[:65536] or b"[Content_Types].xml" in data[:65536]:
                return "docx"
    if data.startswith(_OLE_MAGIC):
        return None
    sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in sniff[:512] for marker in _HTML_SNIFF):
        return "html"
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in _CONTENT_TYPES:
        return _CONTENT_TYPES[declared]
    for name in (filename, urlparse(url).path if url else None):
        if name:
            suffix = PurePosixPath(name).suffix.lower()
            if suffix in _EXTENSIONS:
                return _EXTENSIONS[suffix]
    if data and b"\x00" not in head and not data.startswith(b"PK\x03\x04"):
        return "text"
    return None


# --------------------------------------------------------------------------------------- extraction


def _sensible_metadata_title(title: str | None) -> str | None:
    """A PDF's Info title, unless it is a producer default ("Microsoft Word - dok1.docx", "untitled")."""
    if not title or len(title.split()) < 2:
        return None
    lowered = title.lower()
    if any(junk in lowered for junk in ("microsoft", ".doc", ".pdf", "untitled", "namnlös", "powerpoint", "mall")):
        return None
    return title


def _add_metadata(result: Extraction, fallback_title: str | None = None) -> Extraction:
    text = result.text
    first_page = next((p for p in result.pages if p.strip()), "")
    if result.title is None:
        result.title = metadata.find_title(first_page) or fallback_title
    result.valid_from, result.valid_to, result.extended = metadata.find_period(text)
    result.adopted_by, result.adopted_date, result.adopted_paragraph = metadata.find_adoption(text)
    result.diarienummer = metadata.find_diarienummer(text)
    result.draft_marker = metadata.find_draft_marker(f"{result.title}\n{first_page}" if result.title else first_page)
    result.draft = result.draft_marker is not None
    result.revision_date = metadata.find_revision_date(text)
    result.language = metadata.detect_language(text)
    return result


def _extract_pdf(data: bytes, limits: ExtractSettings, deadline: float) -> Extraction:
    pdf = extract_pdf(
        data,
        max_pages=limits.max_pages,
        deadline=deadline,
        ocr=limits.ocr,
        ocr_max_pages=limits.ocr_max_pages,
        ocr_dpi=limits.ocr_dpi,
    )
    result = Extraction(
        kind="pdf",
        pages=pdf.pages,
        text=PAGE_SEPARATOR.join(pdf.pages),
        needs_ocr=pdf.needs_ocr,
        ocr_used=pdf.ocr_used,
        ocr_pages=pdf.ocr_pages,
        page_count=pdf.page_count,
        notes=pdf.notes,
    )
    _add_metadata(result, _sensible_metadata_title(pdf.metadata_title))
    if pdf.error is not None:
        result.error = ExtractionFailure(*pdf.error)
    elif not result.text.strip():
        if pdf.needs_ocr:
            reason = "OCR is switched off" if not limits.ocr else "tesseract with the 'swe' model is not installed"
            result.error = ExtractionFailure("needs_ocr", f"image-only PDF with no text layer; {reason}")
        elif pdf.ocr_used:
            result.error = ExtractionFailure("ocr_empty", "OCR found no text on the scanned pages")
        else:
            result.error = ExtractionFailure("pdf_no_text", "the PDF has no text layer and no images")
    return result


def _extract_docx(data: bytes, limits: ExtractSettings) -> Extraction:
    docx = extract_docx(data, limits.docx_max_uncompressed)
    if not docx.text.strip():
        return _failed("docx", "docx_empty", "the document body has no text")
    result = Extraction(kind="docx", pages=[docx.text], text=docx.text, page_count=1)
    return _add_metadata(result, docx.core_title)


def _extract_html(data: bytes, content_type: str | None, url: str | None) -> Extraction:
    html = extract_html(data, content_type, url)
    result = Extraction(kind="html", pages=[html.text], text=html.text, title=html.title, encoding=html.encoding)
    result.notes.append(f"main text by {html.extractor}")
    return _add_metadata(result)


def _extract_text(data: bytes, content_type: str | None) -> Extraction:
    text, encoding = decode_text(data, content_type)
    text = text.replace("\r\n", "\n").strip()
    if not text:
        return _failed("text", "text_empty", "the file holds only white space")
    return _add_metadata(Extraction(kind="text", pages=[text], text=text, encoding=encoding, page_count=1))


def _extract_in_process(
    data: bytes, kind: str, content_type: str | None, url: str | None, limits: ExtractSettings
) -> Extraction:
    deadline = time.monotonic() + limits.timeout_s * SOFT_DEADLINE_FRACTION
    try:
        if kind == "pdf":
            return _extract_pdf(data, limits, deadline)
        if kind == "docx":
            return _extract_docx(data, limits)
        if kind == "html":
            return _extract_html(data, content_type, url)
        return _extract_text(data, content_type)
    except ExtractionError as exc:
        return _failed(kind, exc.code, exc.message)
    except MemoryError:
        return _failed(kind, "out_of_memory", "the parser ran out of memory")
    except Exception as exc:  # a parser bug must not stop the run; the type and message go into the record
        return _failed(kind, "extractor_failed", f"{type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------- worker process


@dataclass(frozen=True)
class _Job:
    """One document for a worker process (``extract.worker`` runs ``job.run()``)."""

    data: bytes
    kind: str
    content_type: str | None
    url: str | None
    limits: ExtractSettings

    def run(self) -> Extraction:
        return _extract_in_process(self.data, self.kind, self.content_type, self.url, self.limits)


@dataclass(frozen=True)
class SleepJob:
    """Diagnostic job that hangs for ``seconds``: lets tests prove that a stuck worker is killed."""

    seconds: float

    def run(self) -> str:
        time.sleep(self.seconds)
        return "woke up"


_default_pool: WorkerPool | None = None
_default_pool_lock = threading.Lock()


def default_pool() -> WorkerPool:
    """The process-wide worker pool used when no pool is passed (closed at interpreter exit)."""
    global _default_pool  # one shared pool: workers are expensive to start and safe to reuse
    with _default_pool_lock:
        if _default_pool is None:
            _default_pool = WorkerPool(size=2)
            atexit.register(_default_pool.close)
        return _default_pool


# ---------------------------------------------------------------------------------------- public API


def extract_bytes(
    data: bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    url: str | None = None,
    limits: ExtractSettings = ExtractSettings(),
    pool: WorkerPool | None = None,
) -> Extraction:
    """Extract text and metadata from one document's bytes. Never raises for a bad document.

    Runs in a worker process from ``pool`` (default: a shared pool of 2) unless ``limits.isolate`` is off.
    """
    guessed = detect_kind(data, content_type, filename, url)
    if not data:
        return _failed(guessed or "unknown", "empty_file", "the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        return _failed(guessed or "unknown", "too_large", f"{len(data)} B exceeds the limit {limits.max_bytes} B")
    if guessed is None:
        what = "a legacy Word/Excel (OLE) file" if data.startswith(_OLE_MAGIC) else "not PDF, DOCX, HTML or text"
        return _failed("unknown", "unsupported_type", f"{what} (content type {content_type!r}, name {filename!r})")
    if not limits.isolate:
        return _extract_in_process(data, guessed, content_type, url, limits)
    try:
        result = (pool or default_pool()).call(_Job(data, guessed, content_type, url, limits), limits.timeout_s)
    except WorkerTimeout:
        return _failed(guessed, "timeout", f"extraction did not finish within {limits.timeout_s:g} s; worker killed")
    except WorkerCrashed as exc:
        return _failed(guessed, "worker_crashed", f"the extraction worker died ({exc})")
    assert isinstance(result, Extraction)
    return result


def extract_file(path: Path, limits: ExtractSettings = ExtractSettings(), pool: WorkerPool | None = None) -> Extraction:
    """Extract one file. Raises UsageError when the path is missing or unreadable."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            return _failed(
                detect_kind(b"", None, path.name) or "unknown",
                "too_large",
                f"{size} B exceeds the limit {limits.max_bytes} B",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return extract_bytes(data, filename=path.name, limits=limits, pool=pool)


@dataclass(frozen=True)
class ExtractItem:
    key: str
    data: bytes
    content_type: str | None = None
    filename: str | None = None
    url: str | None = None


def extract_many(
    items: Iterable[ExtractItem], limits: ExtractSettings = ExtractSettings(), workers: int = 2
) -> Iterator[tuple[str, Extraction]]:
    """(key, Extraction) for each item, ``workers`` documents at a time, in input order.

    Each document gets its own worker process and time limit, so one bad document never stops the others.
    """
    if workers < 1:
        raise UsageError(f"workers must be >= 1, got {workers}")

    with WorkerPool(size=workers) as pool, ThreadPoolExecutor(max_workers=workers) as threads:

        def one(item: ExtractItem) -> Extraction:
            return extract_bytes(
                item.data,
                content_type=item.content_type,
                filename=item.filename,
                url=item.url,
                limits=limits,
                pool=pool,
            )

        # A bounded window of submitted documents: a long iterator is not read into memory at once.
        pending: deque[tuple[str, Future[Extraction]]] = deque()
        for item in items:
            pending.append((item.key, threads.submit(one, item)))
            if len(pending) >= 2 * workers:
                key, future = pending.popleft()
                yield key, future.result()
        while pending:
            key, future = pending.popleft()
            yield key, future.result()
