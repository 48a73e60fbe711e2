"""What the classifier sees of a document: its heading, its opening, its body, and where it sits.

Real pages carry chrome (skip links, cookie and browser notices, "Lyssna", breadcrumbs, publication
lines) and transcript sites wrap a PDF in their own lines ("Storlek: px", "Transkript"). The heading a
classifier needs is the main content's heading, not the first line of the raw text, so both are dropped
from the top of the text before the heading is taken. The same function serves training (corpus
excerpts) and prediction (extracted text), so the model sees one kind of text.

Where a document sits is evidence too: the municipality's own host, its business-promotion host, or
somebody else's (a newspaper, a party, a region); the news section or the governing documents. The
crawler knows the hosts; for the corpus they are read from the URL and the municipality list.

A long text is cut first (``cap_text``): its opening, plus the later sentences a tag's signals hit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from classify.signals import signal_hits
from classify.specs import TAG_TASKS, TASK_SIGNALS
from classify.text import split_sentences

# Sites that republish PDFs as text ("transcripts"): the document's own publisher is unknown there.
TRANSCRIPT_HOSTS = ("docplayer.", "5dok.", "9lib.", "docslib.", "abcdocz.", "yumpu.", "issuu.", "spotidoc.",
                    "docstoc.", "studylib.", "dokumen.")

# Lines a transcript site adds around the document's text.
_WRAPPER_RE = re.compile(
    r"^(?:storlek: ?px|starta visningen från sidan:?|transkript|save this pdf as:?|word\s+png\s+txt\s+jpg|"
    r"download \".*\"|share \".*\"|copied!?|loading.*|full text|n/a|protected|academic year: ?\d*|"
    r"• no results found|\(\d+\)|\d{1,3}|relevanta dokument)$", re.IGNORECASE)

# Chrome at the top of a municipal page: navigation, notices, publication lines, contact boxes.
_CHROME_RE = re.compile(
    r"^(?:hoppa (?:till|direkt till)\b.*|gå (?:direkt )?till (?:innehåll|huvudinnehåll|sidans innehåll).*|"
    r"till (?:\w+s )?startsida.*|meny|stäng meny|sök|sök på webbplatsen|logo.*|logotyp.*|lyssna.*|"
    r"lyssna på sidan.*|läs upp.*|dela.*|skriv ut.*|translate|in english|other languages|tyck till.*|"
    r"du är här:?.*|hem\s*[»>/].*|start\s*[»>/].*|.*\s[»›]\s.*|"
    r"javascript är avstängt.*|.*använder (?:kakor|cookies).*|.*kakor\b.*|cookie.*|"
    r"denna (?:nyhet|sida|artikel) är äldre.*|nyheten har passerat.*|.*är kanske inte aktuell längre.*|"
    r"nyhet|nyheter|pressmeddelande|publicerad:?|publicerat:?|nyhet publicerad.*|senast (?:uppdaterad|ändrad).*|"
    r"(?:publicerad|uppdaterad|publicerat)[: ]+\d.*|\d{1,2} \w+ (?:19|20)\d\d(?: \d\d[:.]\d\d)?|"
    r"(?:19|20)\d\d-\d\d-\d\d(?: \d\d[:.]\d\d)?|foto:.*|bild:.*|"
    r"information med anledning av.*|här samlar vi.*coronavirus.*|for all information published.*|"
    r"kontakt(?:information)?|telefon.*|telefontider.*|e-post.*|\S+@\S+|https?://\S+|[\d\s-]{8,}|"
    r"mitt \w+|\w+ (?:kommun|stad)s?|kommuncenter|länk till sidan|utskriftsdatum.*|\$\w+|hover image|"
    r".*ljudvågor|(?:mån|tis|ons|tor|fre|lör|sön) \d{1,2} \w+ / .*)$", re.IGNORECASE)

# Cap on text used per document: full PDFs of 40 pages arrive at predict time, but the signals that
# matter sit in the opening pages plus the sentences hit by domain patterns (kept separately).
TEXT_CAP = 6000
MAX_EXTRA_SENTENCES = 60
HEADING_MAX_CHARS = 160
OPENING_CHARS = 600
_LETTERS_RE = re.compile(r"[^\W\d_]{2,}")


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in unicodedata.normalize("NFC", text).splitlines()]


def strip_top(text: str, *, scan: int = 40) -> str:
    """The text without the wrapper and chrome lines among its first ``scan`` non-empty lines."""
    lines = _lines(text)
    out: list[str] = []
    seen = 0
    for ln in lines:
        if ln and seen < scan:
            seen += 1
            if _WRAPPER_RE.match(ln) or _CHROME_RE.match(ln):
                continue
        out.append(ln)
    return "\n".join(out).strip()


def heading_of(text: str) -> str:
    """The first line of the (stripped) text short enough to be a heading, else its first 160 chars."""
    for ln in text.splitlines():
        ln = ln.strip()
        if ln and _LETTERS_RE.search(ln):
            return ln if len(ln) <= HEADING_MAX_CHARS else ln[:HEADING_MAX_CHARS]
    return ""


# -- where it sits ----------------------------------------------------------------------------

# A business-promotion host names the municipality and business ("malmobusiness.com",
# "naringsliv.example.se"); parties and newspapers name the municipality too, so business words decide.
_BUSINESS_HOST_RE = re.compile(r"business|naringsliv|naeringsliv|foretag|invest|vaxer|tillvaxt|etablera")
_NEWS_PATH_RE = re.compile(r"nyhet|news|aktuellt|press|arkiv|blogg|artikel|kalender|/\d\.\w+\.|\.5\.[0-9a-f]")
_DOC_PATH_RE = re.compile(r"styrdokument|styrande|forfattning|dokument|download|globalassets|contentassets|"
                          r"siteassets|wp-content/uploads|/media/|\.pdf|\.docx?")


_FOLD = str.maketrans("åäöéü", "aaoeu")


def fold(text: str) -> str:
    """Lower case with å/ä -> a and ö -> o, as hosts and URL paths spell Swedish words."""
    low = unicodedata.normalize("NFC", text).lower()
    return low.translate(_FOLD)


def host_of(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").removeprefix("www.")


def host_kind(url: str | None, own: Iterable[str] = (), business: Iterable[str] = ()) -> str:
    """``own`` (the municipality's site or a sub-domain), ``business`` (its business-promotion host),
    ``other`` (anybody else) or ``unknown`` (no URL, or a transcript site that hides the publisher)."""
    host = host_of(url)
    if not host or any(host.startswith(t) or f".{t}" in host for t in TRANSCRIPT_HOSTS):
        return "unknown"
    owns = {h.removeprefix("www.") for h in own if h}
    if any(host == h or host.endswith("." + h) for h in owns):
        return "own"
    if host in {h.removeprefix("www.") for h in business if h}:
        return "business"
    return "other"


def business_host_guess(url: str | None, municipality: str | None) -> bool:
    """A host that names the municipality and business: how the corpus's business hosts look."""
    if not municipality:
        return False
    host = fold(host_of(url))
    name = re.sub(r"[^a-z]", "", fold(municipality))
    return bool(name) and name[:5] in host.replace("-", "") and bool(_BUSINESS_HOST_RE.search(host))


def section_of(url: str | None) -> str:
    """``news``, ``documents`` or ``page`` from the URL path (Sitevision's ``.5.`` ids are articles)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return "page"
    path = fold(unquote(parts.path + ("?" + parts.query if parts.query else "")))
    if _NEWS_PATH_RE.search(path):
        return "news"
    if _DOC_PATH_RE.search(path):
        return "documents"
    return "page"


@dataclass(frozen=True)
class DocView:
    """The parts of a document the classifier reads."""

    heading: str
    opening: str
    body: str
    host: str       # one of HOST_KINDS
    section: str    # news | documents | page
    url_words: str  # the URL path's words, folded ("naringsliv strategi 2030 pdf")

    def location_tokens(self) -> str:
        return f"host_{self.host} section_{self.section}"


def url_words(url: str | None) -> str:
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return ""
    return " ".join(re.findall(r"[a-z]{3,}|\d{4}", fold(unquote(parts.path))))


def view(text: str, *, url: str | None = None, host: str | None = None) -> DocView:
    """The classifier's view of a text; ``host`` is the host kind when the caller knows it."""
    body = strip_top(text or "")
    kind = host or host_kind(url)
    # A transcript site's URL says where the copy is, not where the municipality put the document.
    section = "unknown" if kind == "unknown" else section_of(url)
    return DocView(heading=heading_of(body), opening=body[:OPENING_CHARS], body=body,
                   host=kind, section=section, url_words=url_words(url))


def cap_text(text: str, limit: int = TEXT_CAP) -> str:
    """The first ``limit`` characters plus later sentences hit by a tag signal.

    Keeps predict-time cost flat for 40-page PDFs while still seeing an RUS chapter on page 12.
    """
    if len(text) <= limit:
        return text
    head, rest = text[:limit], text[limit:]
    wanted = tuple(n for task in TAG_TASKS for n in TASK_SIGNALS[task] if n != "region")
    extra: list[str] = []
    for sent in split_sentences(rest):
        if signal_hits(sent, wanted):
            extra.append(sent)
            if len(extra) >= MAX_EXTRA_SENTENCES:
                break
    return head + "\n" + "\n".join(extra)
