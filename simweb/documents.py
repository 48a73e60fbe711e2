"""Render a ``DocText`` as a real PDF (text layer), a scanned PDF (image only), DOCX or HTML.

All renderers are deterministic: reportlab runs with ``invariant=1`` and DOCX zips get fixed
timestamps, so the same seed gives the same bytes. ``tiny_pdf`` is a hand-written minimal PDF
used by the server for the thousands of filler files (meeting documents) nobody needs to look at
closely; it is microseconds per file instead of milliseconds.
"""

from __future__ import annotations

import html
import io
import zipfile
from datetime import datetime

from .wording import DocText

_A4 = (595.27, 841.89)


def render_pdf(doc: DocText) -> bytes:
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=_A4, invariant=1, pageCompression=1)
    c.setTitle(" ".join(doc.title_lines))
    width, height = _A4
    y = height - 140
    if doc.marker:
        c.setFont("Helvetica-Bold", 20)
        c.drawString(60, height - 80, doc.marker.upper())
    c.setFont("Helvetica-Bold", 26)
    for line in doc.title_lines:
        for part in simpleSplit(line, "Helvetica-Bold", 26, width - 120):
            c.drawString(60, y, part)
            y -= 34
    if doc.subtitle:
        c.setFont("Helvetica", 14)
        c.drawString(60, y - 6, doc.subtitle)
        y -= 30
    if doc.header:
        y -= 30
        c.setFont("Helvetica", 10)
        for key, value in doc.header:
            c.rect(60, y - 5, width - 120, 18)
            c.drawString(66, y, key)
            c.drawString(230, y, value)
            y -= 18
    c.showPage()
    y = height - 70
    for head, paras in doc.sections:
        if y < 140:
            c.showPage()
            y = height - 70
        c.setFont("Helvetica-Bold", 14)
        c.drawString(60, y, head)
        y -= 22
        c.setFont("Helvetica", 10.5)
        for para in paras:
            for line in simpleSplit(para, "Helvetica", 10.5, width - 120):
                if y < 60:
                    c.showPage()
                    c.setFont("Helvetica", 10.5)
                    y = height - 70
                c.drawString(60, y, line)
                y -= 14
            y -= 6
        y -= 8
    c.showPage()
    c.save()
    return buf.getvalue()


def render_scanned_pdf(doc: DocText) -> bytes:
    """Image-only PDF: the title page and the first sections as a grey bitmap, no text layer."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=_A4, invariant=1)
    big, small = ImageFont.load_default(size=26), ImageFont.load_default(size=13)
    pages: list[list[tuple[str, bool]]] = [
        [(doc.marker.upper(), True)] * bool(doc.marker)
        + [(t, True) for t in doc.title_lines]
        + [(f"{k}  {v}", False) for k, v in doc.header]
    ]
    body: list[tuple[str, bool]] = []
    for head, paras in doc.sections[:4]:
        body.append((head, True))
        for para in paras:
            words, line = para.split(), ""
            for w in words:
                if len(line) + len(w) > 70:
                    body.append((line, False))
                    line = ""
                line = f"{line} {w}".strip()
            body.append((line, False))
    pages.append(body[:40])
    for lines in pages:
        im = Image.new("1", (620, 877), 1)
        draw = ImageDraw.Draw(im)
        y = 50
        for text, bold in lines:
            draw.text((45, y), text, fill=0, font=big if bold and y < 300 else small)
            y += 36 if bold and y < 300 else 19
        c.drawImage(ImageReader(im), 0, 0, width=_A4[0], height=_A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


_FIXED = (2020, 1, 1, 0, 0, 0)


def render_docx(doc: DocText) -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.title = " ".join(doc.title_lines)
    d.core_properties.author = "Kommunledningsförvaltningen"
    d.core_properties.created = datetime(2020, 1, 1)
    d.core_properties.modified = datetime(2020, 1, 1)
    d.core_properties.last_modified_by = "Kommunledningsförvaltningen"
    d.core_properties.revision = 1
    if doc.marker:
        d.add_paragraph(doc.marker.upper())
    for line in doc.title_lines:
        d.add_heading(line, level=0)
    if doc.subtitle:
        d.add_paragraph(doc.subtitle)
    if doc.header:
        table = d.add_table(rows=0, cols=2)
        for key, value in doc.header:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = key, value
    for head, paras in doc.sections:
        d.add_heading(head, level=1)
        for para in paras:
            d.add_paragraph(para)
    raw = io.BytesIO()
    d.save(raw)
    # python-docx stamps zip members with the current time; rewrite them with a fixed one
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_html_body(doc: DocText) -> str:
    """The programme as the main content of an HTML page (the page chrome is added by the server)."""
    e = html.escape
    parts = []
    if doc.marker:
        parts.append(f'<p class="status-marker"><strong>{e(doc.marker.upper())}</strong></p>')
    parts.append(f"<h1>{e(' '.join(doc.title_lines))}</h1>")
    if doc.subtitle:
        parts.append(f'<p class="ingress">{e(doc.subtitle)}</p>')
    if doc.header:
        rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in doc.header)
        parts.append(f'<table class="doc-facts">{rows}</table>')
    for head, paras in doc.sections:
        parts.append(f"<h2>{e(head)}</h2>")
        parts.extend(f"<p>{e(p)}</p>" for p in paras)
    return "\n".join(parts)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a WinAnsi text layer, built by hand (fast enough to make per request)."""
    ops = [b"BT /F1 11 Tf 60 780 Td 14 TL"]
    ops += [_pdf_string(line) + b" '" for line in lines]
    ops.append(b"ET")
    stream = b"\n".join(ops)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
