"""DOCX text in document order (paragraphs and tables) with python-docx, behind a zip-bomb guard."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass

from base.errors import ExtractionError

# A real Word document compresses XML about 3-10x; a member that inflates 200x and is large is a bomb.
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1 << 20
MAX_MEMBERS = 5000


@dataclass
class DocxText:
    text: str
    core_title: str | None


def check_zip(data: bytes, max_uncompressed: int) -> zipfile.ZipFile:
    """Open the archive and refuse it, before any member is inflated, when its declared sizes are too big.

    Python's zipfile never inflates a member past its declared size (it stops and fails the CRC check), so
    checking the declared sizes bounds the real work.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractionError("docx_malformed", f"not a readable zip archive ({exc})") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractionError("docx_zip_bomb", f"{len(infos)} archive members, limit {MAX_MEMBERS}")
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed:
        raise ExtractionError(
            "docx_zip_bomb", f"declared uncompressed size {total} B exceeds the limit {max_uncompressed} B"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise ExtractionError(
                "docx_zip_bomb", f"member {info.filename} inflates {ratio:.0f}x (limit {MAX_COMPRESSION_RATIO}x)"
            )
    if "word/document.xml" not in archive.namelist():
        raise ExtractionError("docx_malformed", "the archive has no word/document.xml (not a Word document)")
    return archive


def _table_lines(table: object) -> list[str]:
    lines = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            # Merged cells repeat the same text across the row; keep it once.
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            lines.append(" | ".join(cells))
    return lines


def extract_docx(data: bytes, max_uncompressed: int) -> DocxText:
    """Body text in order: paragraphs one per line, table rows as "cell | cell"."""
    check_zip(data, max_uncompressed).close()
    import docx  # python-docx; imported late so a bomb is refused before any XML is parsed
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block))
            else:
                lines.append(block.text)
        core_title = (document.core_properties.title or "").strip() or None
    except ExtractionError:
        raise
    except Exception as exc:  # python-docx and lxml raise many types (KeyError, ValueError, XMLSyntaxError)
        raise ExtractionError(
            "docx_malformed", f"python-docx cannot read the document ({type(exc).__name__}: {exc})"
        ) from None
    text = "\n".join(lines).strip()
    return DocxText(unicodedata.normalize("NFC", text), core_title)
