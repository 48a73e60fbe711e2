"""simweb.documents: real PDFs with text, image-only scans, DOCX, HTML and the tiny filler PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from docx import Document

from simweb.documents import render_docx, render_html_body, render_pdf, render_scanned_pdf, tiny_pdf
from simweb.wording import DocText

DOC = DocText(
    title_lines=["NÄRINGSLIVS-", "PROGRAM", "för Åres kommun 2024–2027"],
    marker="",
    header=[("Dokumenttyp", "Program"), ("Diarienummer", "KS 2023/412"),
            ("Fastställt", "Kommunfullmäktige 2023-11-20 § 141")],
    sections=[("Vision", ["Åre är Sveriges bästa kommun att driva företag i år 2030."] * 3),
              ("Handlingsplan", ["Aktivitet: Företagsbesök. Ansvarig: Näringslivsenheten. Tidplan: 2025."] * 40)],
)  # fmt: skip


def _text(pdf: bytes) -> str:
    return " ".join("".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(pdf)).split())


def test_pdf_has_a_text_layer_with_title_header_and_body() -> None:
    pdf = render_pdf(DOC)
    text = _text(pdf)
    # pdfium reports a hyphen at the end of a line as U+FFFE (a soft-hyphen marker): extraction must cope
    assert "NÄRINGSLIVS\ufffePROGRAM för Åres kommun 2024–2027" in text
    assert "KS 2023/412" in text and "§ 141" in text and "Företagsbesök" in text
    assert len(pdfium.PdfDocument(pdf)) >= 3  # title page plus body pages
    assert len(pdf) < 20_000 and render_pdf(DOC) == pdf


def test_scanned_pdf_is_image_only() -> None:
    pdf = render_scanned_pdf(DOC)
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 2 and _text(pdf) == ""
    assert all(any(obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects()) for page in doc)


def test_docx_is_deterministic_and_carries_the_text() -> None:
    data = render_docx(DOC)
    assert data == render_docx(DOC)
    d = Document(io.BytesIO(data))
    paras = [p.text for p in d.paragraphs]
    assert "NÄRINGSLIVS-" in paras and "Vision" in paras
    assert d.tables[0].rows[1].cells[1].text == "KS 2023/412"


def test_html_body_escapes_and_keeps_structure() -> None:
    body = render_html_body(DocText(title_lines=["A & B"], marker="Förslag", sections=[("Mål", ["<x>"])]))
    assert "<h1>A &amp; B</h1>" in body and "FÖRSLAG" in body and "&lt;x&gt;" in body


def test_tiny_pdf_extracts_swedish_text() -> None:
    pdf = tiny_pdf(["Protokoll kommunstyrelsen Älvsbyn", "§ 12 Ärende (beslut) – åäö"])
    assert "Protokoll kommunstyrelsen Älvsbyn" in _text(pdf) and "åäö" in _text(pdf)
