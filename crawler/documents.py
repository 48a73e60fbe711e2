"""Recognise documents by content, not by extension, and read server-supplied file names safely.

Servers send PDFs as ``application/octet-stream`` or even ``text/html`` and serve soft 404 pages
(200, text/html) for missing files (municipal-web.md §1.2, §2.12), so the magic bytes decide; the
Content-Type and Content-Disposition only break ties. File names from servers are returned as plain
display strings: they never become paths.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from urllib.parse import unquote, urlsplit

from crawler.linkscore import fold

PDF, DOCX, DOC, HTML, OTHER = "pdf", "docx", "doc", "html", "other"
DOCUMENT_KINDS = frozenset({PDF, DOCX, DOC})

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc (and .xls); taken as doc only with a doc hint
_CT_KIND = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/msword": DOC,
    "text/html": HTML,
    "application/xhtml+xml": HTML,
}
_EXT_KIND = {".pdf": PDF, ".docx": DOCX, ".doc": DOC}
SOFT_404_MARKERS = (
    "sidan kunde inte hittas", "sidan finns inte", "sidan hittades inte", "page not found", "404 not found",
    "kunde inte hitta sidan",
)


def _zip_is_docx(body: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        # A truncated zip (download cap) cannot be listed; its local header still names the first entry.
        return b"word/" in body[:4096] or b"[Content_Types].xml" in body[:4096]


def sniff_kind(body: bytes, content_type: str | None = None, disposition: str | None = None,
               url: str = "") -> str:
    """Return pdf / docx / doc / html / other. Magic bytes first, then headers, never the URL alone."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in body[:1024]:
        return PDF
    if body.startswith(b"PK\x03\x04"):
        return DOCX if _zip_is_docx(body) else OTHER
    ctype = (content_type or "").split(";")[0].strip().lower()
    name_ext = _extension(filename_from_disposition(disposition) or "") or _extension(urlsplit(url).path)
    if body.startswith(_OLE):
        return DOC if (ctype == "application/msword" or name_ext == ".doc") else OTHER
    low = head[:256].lower()
    if low.startswith((b"<!doctype html", b"<html")) or b"<html" in low or b"<head" in low:
        return HTML
    kind = _CT_KIND.get(ctype)
    if kind == HTML and body:
        # Declared HTML that does not look like HTML: trust the content (e.g. plain text); not a document.
        return HTML if b"<" in body[:2048] else OTHER
    if kind in DOCUMENT_KINDS and not body:
        return kind
    return OTHER


def _extension(path: str) -> str:
    match = re.search(r"(\.[A-Za-z0-9]{1,5})/?$", path)
    return match.group(1).lower() if match else ""


def looks_like_document_url(url: str) -> bool:
    """An URL whose shape promises a document (used to spot soft 404s and to ask conditionally)."""
    path = urlsplit(url).path.lower()
    return (_extension(path) in _EXT_KIND or "/download/18." in path or path.endswith(".pdf/download")
            or "/wp-content/uploads/" in path)


def is_soft_404(url: str, kind: str, title: str = "", text_head: str = "") -> bool:
    """200 text/html where a document was promised, or a page that says it was not found."""
    if kind == HTML and looks_like_document_url(url):
        return True
    folded = fold(f"{title} {text_head[:2000]}")
    return any(fold(m) in folded for m in SOFT_404_MARKERS) or fold(title).startswith("404")


_DISPOSITION_STAR = re.compile(r"filename\*\s*=\s*([\w!#$&+.^`|~-]+)'[^']*'([^;]+)", re.I)
_DISPOSITION_PLAIN = re.compile(r'filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))', re.I)


def filename_from_disposition(value: str | bytes | None) -> str | None:
    """The file name in a Content-Disposition header; ``filename*=`` (RFC 5987) wins over ``filename=``.

    Bytes are decoded as UTF-8, falling back to Latin-1 (legacy servers). The result is a display name
    only: ``safe_filename`` strips path parts and control characters.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        raw_bytes = value
        try:
            value = raw_bytes.decode("utf-8")
        except UnicodeDecodeError:
            value = raw_bytes.decode("latin-1")
    star = _DISPOSITION_STAR.search(value)
    if star:
        charset = star.group(1).lower()
        raw = star.group(2).strip().strip('"')
        try:
            name = unquote(raw, encoding=charset if charset in ("utf-8", "iso-8859-1", "latin-1") else "utf-8",
                           errors="strict")
        except (UnicodeDecodeError, LookupError):
            name = unquote(raw, encoding="latin-1")
        return safe_filename(name)
    plain = _DISPOSITION_PLAIN.search(value)
    if plain:
        name = plain.group(1) if plain.group(1) is not None else plain.group(2).strip()
        return safe_filename(name.replace('\\"', '"'))
    return None


def filename_from_url(url: str) -> str | None:
    path = urlsplit(url).path.rstrip("/")
    if path.endswith("/download"):
        path = path[: -len("/download")]
    last = unquote(path.rsplit("/", 1)[-1].replace("+", " "))
    return safe_filename(last) if last else None


def safe_filename(name: str, limit: int = 200) -> str | None:
    """Reduce a server-supplied name to a display string: no directories, no control characters."""
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:limit] or None
