"""Real labelled documents as simulated-web content: reading the corpus, the heading rule, rendering.

The texts are read at run time from a corpus JSONL (``shared/corpus/dev.jsonl`` or a part of it) and
rendered without rewriting: an HTML page's main content keeps the text's own lines and paragraphs, a
PDF or DOCX carries the same lines. Which line is the heading (the page's ``<title>`` and ``<h1>``, the
PDF's title, the link text) is decided by ``heading_of``, which reads only the text, never a label.
"""

from __future__ import annotations

import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from base.errors import UsageError

# Fields a corpus line must carry to be placed and scored (shared/corpus/README.md).
REQUIRED = ("id", "municipality", "text", "is_program", "doc_kind")
LABEL_TAGS = (
    "rus_link",
    "intermunicipal_link",
    "action_plan",
    "sustainability",
    "business_collaboration",
    "annual_activities",
)

# The heading rule: among the first HEADING_WINDOW non-empty lines, the first one of 3-HEADING_MAX
# characters that is not page chrome (CHROME) and not a bare date. When none qualifies, the first words
# of the first non-empty line (up to HEADING_MAX characters, cut at a word) stand in for it.
HEADING_WINDOW = 8
HEADING_MAX = 120
CHROME = re.compile(
    r"^(?:hoppa till|gå (?:direkt )?till|skip to|till startsidan|startsida|hem$|meny\b|stäng\b|sök\b|öppna sök|"
    r"lyssna\b|dela\b|kontakt|publicerad|uppdaterad|storlek: px|save this pdf|download\b|transkript$|"
    r"starta visningen|relevanta dokument$|•?\s*no results found|tyck till om|länk till startsidan|hemsida:|"
    r"nyheten har passerat|denna nyhet är äldre|artikeln publicerades|annons$|se alla$|full text$|"
    r"pressmeddelande\s*-?$|faq$|aktuellt$|<\s*>$|hover image|embed or link|javascript|•?\s*(?:bild|foto)\s*:|"
    r"(?:mån|tis|ons|tor|fre|lör|sön) \d{1,2} \w+ /|[\w -]+ (?:kommun|stad)$|du (?:är|läser) här|skriv ut|"
    r"telefon$|huvudmeny|utskriftsdatum|•?\s*a-ö$|innehåll$|hjälptjänster|\$)"
    r"|logo|kommunvapen|kakor|cookies",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"^(?:nyhet\s*)?\d{1,4}[\s./‐-]*(?:\d{1,2}|[a-zåäö]+)[\s./‐-]*\d{2,4}$|^[a-zåäö]+ \d{1,2},? \d{4}$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Heading:
    """The heading of a text and the index of the line it is (None when it was cut from a longer line)."""

    text: str
    line: int | None


def heading_of(text: str) -> Heading:
    """The document's own heading line by the documented rule (see the module constants)."""
    lines = text.split("\n")
    seen = 0
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        seen += 1
        if seen > HEADING_WINDOW:
            break
        if 3 <= len(line) <= HEADING_MAX and not CHROME.search(line) and not _DATE.match(line):
            return Heading(line, i)
    first = next((raw.strip() for raw in lines if raw.strip()), "")
    if len(first) <= HEADING_MAX:
        return Heading(first or "Dokument", None)
    cut = first[:HEADING_MAX].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return Heading(cut, None)


def paragraphs(text: str) -> list[list[tuple[int, str]]]:
    """The text's paragraphs (separated by blank lines), each a list of (line index, line)."""
    out: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for i, raw in enumerate(text.split("\n")):
        line = raw.rstrip()
        if line.strip():
            current.append((i, line))
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def html_body(text: str, heading: Heading) -> str:
    """The text as a page's main content: the heading line as ``<h1>`` where it stands, every other
    paragraph a ``<p>`` with its own line breaks. A heading cut from a long line goes first as ``<h1>``."""
    e = html.escape
    parts = [] if heading.line is not None else [f"<h1>{e(heading.text)}</h1>"]
    for para in paragraphs(text):
        before = [line for i, line in para if heading.line is None or i < heading.line]
        after = [line for i, line in para if heading.line is not None and i > heading.line]
        if before:
            parts.append("<p>" + "<br>".join(e(x.strip()) for x in before) + "</p>")
        if heading.line is not None and any(i == heading.line for i, _ in para):
            parts.append(f"<h1>{e(heading.text)}</h1>")
        if after:
            parts.append("<p>" + "<br>".join(e(x.strip()) for x in after) + "</p>")
    return "\n".join(parts)


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """The records of a corpus JSONL; a bad line raises ``UsageError`` naming file, line and problem."""
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the corpus ({exc.strerror or exc})") from exc
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as exc:
            raise UsageError(f"{path}:{n}: not JSON ({exc})") from exc
        missing = [k for k in REQUIRED if k not in rec] if isinstance(rec, dict) else list(REQUIRED)
        if missing:
            raise UsageError(f"{path}:{n}: missing field(s) {', '.join(missing)}")
        if not isinstance(rec["text"], str) or not rec["text"].strip():
            raise UsageError(f"{path}:{n}: empty text")
        if rec["id"] in seen:
            raise UsageError(f"{path}:{n}: duplicate id {rec['id']!r}")
        seen.add(rec["id"])
        records.append(rec)
    if not records:
        raise UsageError(f"{path}: the corpus has no records")
    return records


# ---------------------------------------------------------------------------- documents
_A4 = (595.27, 841.89)
_FIXED = (2020, 1, 1, 0, 0, 0)


def text_pdf(text: str, heading: Heading) -> bytes:
    """A PDF with a text layer: the text's lines in order (long lines wrapped), the heading in bold."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=_A4, invariant=1, pageCompression=1)
    c.setTitle(heading.text)
    width, height = _A4
    y = height - 70

    def draw(line: str, font: str, size: float) -> None:
        nonlocal y
        for part in simpleSplit(line, font, size, width - 120) or [""]:
            if y < 60:
                c.showPage()
                y = height - 70
            c.setFont(font, size)
            c.drawString(60, y, part)
            y -= size * 1.35

    if heading.line is None:
        draw(heading.text, "Helvetica-Bold", 18)
        y -= 8
    for para in paragraphs(text):
        for i, line in para:
            if i == heading.line:
                draw(line.strip(), "Helvetica-Bold", 18)
            else:
                draw(line, "Helvetica", 10.5)
        y -= 8
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf(text: str, heading: Heading, max_pages: int = 3) -> bytes:
    """An image-only PDF of the same lines (no text layer): what a scanned programme looks like."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rows: list[tuple[str, bool]] = [] if heading.line is not None else [(heading.text, True)]
    for para in paragraphs(text):
        for i, line in para:
            words, cur = line.split(), ""
            for w in words:
                if cur and len(cur) + len(w) > 72:
                    rows.append((cur, i == heading.line))
                    cur = ""
                cur = f"{cur} {w}".strip()
            rows.append((cur, i == heading.line))
        rows.append(("", False))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=_A4, invariant=1)
    big, small = ImageFont.load_default(size=22), ImageFont.load_default(size=13)
    per_page = 40
    for start in range(0, min(len(rows), per_page * max_pages), per_page):
        im = Image.new("1", (620, 877), 1)
        draw = ImageDraw.Draw(im)
        y = 45
        for line, bold in rows[start : start + per_page]:
            draw.text((45, y), line, fill=0, font=big if bold else small)
            y += 30 if bold else 19
        c.drawImage(ImageReader(im), 0, 0, width=_A4[0], height=_A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def text_docx(text: str, heading: Heading) -> bytes:
    """A DOCX whose paragraphs are the text's paragraphs (line breaks kept), the heading as its title."""
    import zipfile
    from datetime import datetime

    import docx

    d = docx.Document()
    d.core_properties.title = heading.text
    d.core_properties.author = "Kommunledningsförvaltningen"
    d.core_properties.created = datetime(2020, 1, 1)
    d.core_properties.modified = datetime(2020, 1, 1)
    d.core_properties.last_modified_by = "Kommunledningsförvaltningen"
    d.core_properties.revision = 1
    if heading.line is None:
        d.add_heading(heading.text, level=0)
    for para in paragraphs(text):
        lines = [line.strip() for i, line in para if i != heading.line]
        if heading.line is not None and any(i == heading.line for i, _ in para):
            before = [line.strip() for i, line in para if i < heading.line]
            if before:
                _docx_paragraph(d, before)
            d.add_heading(heading.text, level=0)
            lines = [line.strip() for i, line in para if i > heading.line]
        if lines:
            _docx_paragraph(d, lines)
    raw = io.BytesIO()
    d.save(raw)
    out = io.BytesIO()
    # python-docx stamps zip members with the current time; rewrite them with a fixed one
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _docx_paragraph(d: Any, lines: list[str]) -> None:
    p = d.add_paragraph()
    for k, line in enumerate(lines):
        run = p.add_run(line)
        if k < len(lines) - 1:
            run.add_break()


def render(kind: str, text: str, heading: Heading) -> bytes:
    """``pdf``, ``scanned_pdf`` or ``docx`` bytes of a real text."""
    if kind == "pdf":
        return text_pdf(text, heading)
    if kind == "scanned_pdf":
        return scanned_pdf(text, heading)
    if kind == "docx":
        return text_docx(text, heading)
    raise ValueError(f"realtext.render: kind {kind!r} is not one of pdf, scanned_pdf, docx")
