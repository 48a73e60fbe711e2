"""PDF text per page with pypdfium2, OCR of image-only pages with Tesseract's Swedish model.

pypdfium2 was chosen by measurement (docs/extraction.md): fastest permissive-licence extractor, correct
reading order on two-column pages and tables, clean exceptions on damaged and encrypted files. Runs
inside the extraction worker process (``extract.reader``), which bounds its time.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
import unicodedata
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from base.errors import ExtractionError

# A page with fewer visible characters than this and an image on it is treated as scanned.
MIN_PAGE_CHARS = 10
OCR_LANG = "swe"
MAX_OCR_PIXELS = 36_000_000  # about A3 at 300 dpi (17 MP) doubled

# PDFium marks a line-end hyphen it judged to be hyphenation as U+FFFE (and U+0002 in older builds) and
# usually drops the line break (a text that kept it is the same break); "-" or a soft hyphen followed by
# one newline is the same thing from other producers. A blank line after a hyphen is a paragraph end,
# not hyphenation, so it is never joined.
# No look-behind at the start: a pattern that starts with a character set lets the regex engine skip
# ahead to candidate characters, which makes this five times faster on a page.
_BREAK_RE = re.compile(r"(?:[\ufffe\u0002](?:[ \t]*\n[ \t]*)?|[-\u00ad][ \t]*\n[ \t]*)(?=\w)")
_LEFT_WORD_RE = re.compile(r"\w+$")
_RIGHT_WORD_RE = re.compile(r"\w+")
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "respektive", "resp", "som", "men", "till"})
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\uffff]")


def _hyphen_join(left: str, right: str) -> str:
    """What replaces a line-end hyphen between ``left`` and ``right``: "", "-" or "- "."""
    if right.lower() in _CONJUNCTIONS:
        return "- "
    letters_only = left.isalpha() and right[:1].isalpha()
    same_case = (left.isupper() and right.isupper()) or (left[-1:].islower() and right[:1].islower())
    if letters_only and len(left) >= 3 and same_case and not (left.isupper() and len(left) <= 3):
        return ""
    return "-"


def dehyphenate(text: str) -> str:
    """Undo hyphenation at line ends where that is safe: the one implementation for every extractor and
    for ``extract.metadata``.

    "före-\\ntagsklimatet" -> "företagsklimatet", "NÄRINGSLIVS-\\nPROGRAM" -> "NÄRINGSLIVSPROGRAM".
    Kept with their hyphen: suspended compounds ("närings- och tillväxtprogram"), short prefixes and
    abbreviations ("e-tjänster", "EU-stöd"), digits ("2015-2018"), and a lower-case part followed by a
    capital ("Skåne-Blekinge").
    """
    out: list[str] = []
    last = 0
    # Scans for the break itself, not for every word: a page is dehyphenated in one linear pass.
    for m in _BREAK_RE.finditer(text):
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue
        left_m = _LEFT_WORD_RE.search(text, max(last, m.start() - 64), m.start())
        right_m = _RIGHT_WORD_RE.match(text, m.end())
        if left_m is None or right_m is None:
            continue
        out.append(text[last : m.start()])
        out.append(_hyphen_join(left_m.group(0), right_m.group(0)))
        last = m.end()
    out.append(text[last:])
    return "".join(out).replace("\ufffe", "-").replace("\u0002", "-")


def normalise_page_text(raw: str) -> str:
    """NFC, Unix line ends, no control characters, hyphenation undone, trailing blanks gone."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    text = dehyphenate(text)
    text = _CONTROL_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


@functools.lru_cache(maxsize=1)
def ocr_available() -> bool:
    """True when the ``tesseract`` binary is installed with the Swedish model."""
    binary = shutil.which("tesseract")
    if binary is None:
        return False
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return OCR_LANG in (out.stdout + out.stderr).split()


@dataclass
class PdfText:
    pages: list[str]
    needs_ocr: bool = False
    ocr_used: bool = False
    ocr_pages: int = 0
    metadata_title: str | None = None
    error: tuple[str, str] | None = None  # (code, message) for a partial result (too_many_pages, timeout)
    page_count: int = 0
    notes: list[str] = field(default_factory=list)


def _classify_load_error(exc: pdfium.PdfiumError, data: bytes) -> ExtractionError:
    msg = str(exc)
    if "password" in msg.lower() or "security" in msg.lower():
        return ExtractionError("pdf_encrypted", f"the PDF needs a password to open ({msg})")
    if b"%%EOF" not in data[-2048:]:
        return ExtractionError("pdf_truncated", f"the PDF ends before its end-of-file marker ({msg})")
    return ExtractionError("pdf_malformed", f"PDFium cannot parse the file ({msg})")


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _ocr_page(page: pdfium.PdfPage, dpi: int, timeout_s: float) -> str:
    import pytesseract  # imported here: only scanned documents need it

    width, height = page.get_size()
    # A poster-sized (or hostile 14400 pt) page at 300 dpi is gigapixels; cap the bitmap instead.
    scale = min(dpi / 72, (MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5)
    image = page.render(scale=scale, grayscale=True).to_pil()
    # One thread per tesseract: extraction already runs one worker per core.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    return str(pytesseract.image_to_string(image, lang=OCR_LANG, timeout=max(1.0, timeout_s)))


def extract_pdf(
    data: bytes,
    *,
    max_pages: int,
    deadline: float,
    ocr: bool,
    ocr_max_pages: int,
    ocr_dpi: int,
) -> PdfText:
    """Text of each page. Raises ExtractionError for a file that cannot be opened at all.

    ``deadline`` is a ``time.monotonic()`` value: past it, extraction stops between pages and the pages
    read so far are returned with a ``timeout`` error (the worker's hard kill is the second line).
    """
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _classify_load_error(exc, data) from None
    try:
        page_count = len(pdf)
        if page_count == 0:
            raise ExtractionError("pdf_malformed", "the PDF has no pages")
        result = PdfText(pages=[], page_count=page_count)
        try:
            title = (pdf.get_metadata_dict().get("Title") or "").strip()
            result.metadata_title = unicodedata.normalize("NFC", title) or None
        except pdfium.PdfiumError:
            pass
        if page_count > max_pages:
            result.error = ("too_many_pages", f"{page_count} pages, limit {max_pages}: read the first {max_pages}")
        scanned: list[int] = []
        failed = 0
        for i in range(min(page_count, max_pages)):
            if time.monotonic() > deadline:
                result.error = ("timeout", f"time limit reached after {i} of {page_count} pages")
                break
            try:
                page = pdf[i]
                try:
                    textpage = page.get_textpage()
                    raw = textpage.get_text_range()
                    textpage.close()  # closing now is cheaper than leaving it to the finalizer
                    text = normalise_page_text(raw)
                    if len(text.strip()) < MIN_PAGE_CHARS and _has_image(page):
                        scanned.append(i)
                finally:
                    page.close()
            except pdfium.PdfiumError:
                failed += 1
                text = ""
            result.pages.append(text)
        if failed and failed == len(result.pages):
            raise ExtractionError("pdf_malformed", f"none of the {failed} pages could be read")
        if scanned:
            _ocr_pages(pdf, result, scanned, ocr=ocr, ocr_max_pages=ocr_max_pages, ocr_dpi=ocr_dpi, deadline=deadline)
        return result
    finally:
        pdf.close()


def _ocr_pages(
    pdf: pdfium.PdfDocument,
    result: PdfText,
    scanned: list[int],
    *,
    ocr: bool,
    ocr_max_pages: int,
    ocr_dpi: int,
    deadline: float,
) -> None:
    if not (ocr and ocr_available()):
        result.needs_ocr = True
        return
    for i in scanned[:ocr_max_pages]:
        remaining = deadline - time.monotonic()
        if remaining <= 1.0:
            result.needs_ocr = True
            result.error = result.error or ("timeout", f"time limit reached while OCR-ing page {i + 1}")
            return
        try:
            text = normalise_page_text(_ocr_page(pdf[i], ocr_dpi, remaining))
        except RuntimeError as exc:  # pytesseract raises RuntimeError on its own timeout
            result.needs_ocr = True
            result.error = result.error or ("timeout", f"OCR of page {i + 1} did not finish ({exc})")
            return
        result.pages[i] = text
        result.ocr_used = True
        result.ocr_pages += 1
    if len(scanned) > ocr_max_pages:
        result.needs_ocr = True
        result.notes.append(f"OCR limited to {ocr_max_pages} of {len(scanned)} scanned pages")
