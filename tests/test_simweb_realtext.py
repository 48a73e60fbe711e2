"""simweb.realtext: the heading rule (text only, never labels) and faithful rendering of real text."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest

from simweb.realtext import Heading, heading_of, html_body, text_docx, text_pdf


@pytest.mark.parametrize(
    ("text", "heading"),
    [
        ("Näringslivsprogram\n\nText.", Heading("Näringslivsprogram", 0)),
        ("Hoppa till innehåll\nMeny\nNäringslivsstrategi 2030\nText.", Heading("Näringslivsstrategi 2030", 2)),
        ("Storlek: px\nSave this PDF as:\n2019-04-25\nPlan för tillväxt", Heading("Plan för tillväxt", 3)),
        ("Alvesta kommuns logotyp\nPubliceradTisdag\nNy strategi antagen", Heading("Ny strategi antagen", 2)),
        ("Ale kommun\nNy strategi", Heading("Ny strategi", 1)),
    ],
)
def test_heading_is_the_first_short_line_that_is_not_chrome(text: str, heading: Heading) -> None:
    assert heading_of(text) == heading


def test_a_text_without_a_short_line_is_headed_by_its_first_words() -> None:
    long_line = "Näringslivsstrategi Hörby kommun 2017-2020 " + "och mer text " * 20
    h = heading_of(long_line + "\n" + long_line)
    assert h.line is None and len(h.text) <= 120 and h.text.startswith("Näringslivsstrategi Hörby kommun 2017-2020")
    assert not h.text.endswith(" ")


def test_html_keeps_order_lines_and_paragraphs() -> None:
    text = "Hoppa till innehåll\nStrategi & mål\n\nFörsta raden\nandra <raden>\n\nSista stycket"
    body = html_body(text, heading_of(text))
    assert body == ("<p>Hoppa till innehåll</p>\n<h1>Strategi &amp; mål</h1>\n"
                    "<p>Första raden<br>andra &lt;raden&gt;</p>\n<p>Sista stycket</p>")


def test_pdf_and_docx_carry_the_same_lines() -> None:
    text = "Meny\nNäringslivsplan för Ale\n\nVi ska växa tillsammans med företagen."
    h = heading_of(text)
    pdf = pdfium.PdfDocument(io.BytesIO(text_pdf(text, h)))
    got = pdf[0].get_textpage().get_text_range()
    assert pdf.get_metadata_dict()["Title"] == "Näringslivsplan för Ale"
    for line in text.split("\n"):
        assert line in got
    import docx

    d = docx.Document(io.BytesIO(text_docx(text, h)))
    assert [p.text for p in d.paragraphs] == text.replace("\n\n", "\n").split("\n")
    assert d.core_properties.title == "Näringslivsplan för Ale"
