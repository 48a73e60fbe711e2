"""HTML main text with trafilatura; encodings from the header, the page and the bytes themselves."""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from dataclasses import dataclass

from base.errors import ExtractionError

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# HTML5 decodes these labels as windows-1252 (https://encoding.spec.whatwg.org); so do Swedish legacy pages.
_AS_WINDOWS_1252 = {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "ascii", "us-ascii", "cp1252", "windows-1252"}
MAX_HTML_BYTES = 2 * 1024 * 1024  # the crawler's default MAX_HTML_BYTES too (docs/crawler.md)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass
class HtmlText:
    text: str
    title: str | None
    encoding: str
    extractor: str  # "trafilatura" or "bs4-fallback"


def _canonical(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_WINDOWS_1252:
        return "windows-1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_text(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of an HTML or plain-text body.

    Order: a BOM; then bytes that are valid UTF-8 with non-ASCII characters are UTF-8 whatever the
    declarations say (servers that send ``charset=iso-8859-1`` for UTF-8 pages are common, and valid
    multi-byte UTF-8 sequences practically never occur in windows-1252 text); then the HTTP header's
    charset, then the page's ``<meta charset>``, each used only if it decodes the bytes; last windows-1252,
    which decodes any byte, with undefined bytes replaced.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace"), name
    try:
        text = data.decode("utf-8")
        return text, "utf-8"
    except UnicodeDecodeError:
        pass
    header = _HEADER_CHARSET_RE.search(content_type or "")
    meta = _META_CHARSET_RE.search(data[:8192])
    declared = [
        _canonical(header.group(1) if header else None),
        _canonical(meta.group(1).decode("ascii", "replace") if meta else None),
    ]
    for encoding in declared:
        if encoding and encoding != "utf-8":
            try:
                return data.decode(encoding), encoding
            except (UnicodeDecodeError, LookupError):
                continue
    return data.decode("windows-1252", errors="replace"), "windows-1252"


_BLOCK_TAGS = [
    "p",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "center",
]


def _bs4_text(html: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")  # the lenient parser: broken legacy markup still parses
    h1 = soup.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else (soup.title.get_text(" ", strip=True) if soup.title else None)
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template"]):
        tag.decompose()
    # Line breaks after block elements only, so inline markup (<b>, <a>) does not split sentences.
    for block in soup.find_all(_BLOCK_TAGS):
        block.append("\n")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines = [" ".join(line.split()) for line in soup.get_text("").split("\n")]
    return "\n".join(line for line in lines if line), title or None


def cut_html(data: bytes, limit: int | None = None) -> bytes:
    """The first ``limit`` bytes (``MAX_HTML_BYTES``), never ending inside a UTF-8 character: a 50 MB page
    took the extraction worker to its 2 GiB limit, and a programme page's text is in its head."""
    limit = MAX_HTML_BYTES if limit is None else limit
    if len(data) <= limit:
        return data
    end = limit
    while end > max(0, limit - 4) and data[end] & 0xC0 == 0x80:  # a continuation byte: its character began before
        end -= 1
    return data[:end]


def extract_html(data: bytes, content_type: str | None = None, url: str | None = None, *,
                 fast: bool = False) -> HtmlText:
    """Main text (boilerplate removed) and title of a page. Raises ExtractionError("html_empty").

    ``fast`` skips trafilatura's second-opinion extractors (about a fifth of the time): what the crawler
    uses to score every page it fetches; the extract stage reads its candidates in full."""
    import trafilatura

    html, encoding = decode_text(cut_html(data), content_type)
    # trafilatura logs "empty HTML tree" and the like at WARNING/ERROR for pages it cannot use; the
    # fallback below handles those, so the messages are noise here.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_tables=True, include_comments=False, fast=fast
        )
    except Exception:  # trafilatura has no error contract: any failure means "use the fallback"
        doc = None
    text = (getattr(doc, "text", None) or "").strip()
    title = (getattr(doc, "title", None) or "").strip() or None
    extractor = "trafilatura"
    if not text:
        text, fallback_title = _bs4_text(html)
        title = title or fallback_title
        extractor = "bs4-fallback"
    if not text.strip():
        raise ExtractionError("html_empty", "the page has no readable text")
    text = unicodedata.normalize("NFC", text)
    return HtmlText(text, unicodedata.normalize("NFC", title) if title else None, encoding, extractor)
