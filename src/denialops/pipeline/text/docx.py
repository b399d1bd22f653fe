"""Word documents (.docx): paragraphs and table cells in document order, as one page.

A .docx has no fixed pagination (pages depend on the renderer), so the whole body is page 1.
Headers, footers, footnotes, comments and text boxes are not read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from denialops.domain.facts import ExtractedText, PageText
from denialops.errors import DenialOpsError
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.media import DOCX
from denialops.pipeline.text.normalise import clean_page_text, has_text

# A zip can inflate a thousandfold; check the declared sizes before python-docx unpacks and
# parses the parts. A long letter's document.xml is well under a megabyte.
_MAX_DOCUMENT_XML = 32 * 1024 * 1024
_MAX_UNPACKED = 256 * 1024 * 1024


def extract_docx(data: bytes) -> ExtractedText:
    """Read a .docx document's body text into a one-page `ExtractedText`."""
    _check_archive(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_blocks(document.iter_inner_content()))
    except DenialOpsError:
        raise
    except Exception as exc:
        # python-docx and lxml raise many types on malformed parts (KeyError for a missing
        # relationship, XMLSyntaxError, ValueError ...); to the user they mean the same.
        raise UnreadableDocument("no readable text: the Word document is damaged") from exc
    text = clean_page_text("\n".join(blocks))
    if not has_text(text):
        raise UnreadableDocument("no readable text: the Word document is empty")
    return ExtractedText(source_type=DOCX, pages=[PageText(number=1, text=text)])


def _blocks(items: Iterator[Paragraph | Table]) -> Iterator[str]:
    for item in items:
        if isinstance(item, Paragraph):
            yield item.text
        else:
            yield from _table_rows(item)


def _table_rows(table: Table) -> Iterator[str]:
    """One line per row, cells separated by tabs; a nested table's rows follow its cell."""
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        nested: list[str] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans; read it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            texts, tables = _cell_content(cell)
            cells.append(" ".join(texts))
            nested.extend(tables)
        yield "\t".join(cells)
        yield from nested


def _cell_content(cell: _Cell) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    tables: list[str] = []
    for item in cell.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text.strip():
                texts.append(item.text.strip())
        else:
            tables.extend(_table_rows(item))
    return texts, tables


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableDocument("no readable text: the Word document is damaged") from exc
    sizes = {info.filename: info.file_size for info in infos}
    if "word/document.xml" not in sizes:
        raise UnreadableDocument("no readable text: the file is not a Word document")
    if sizes["word/document.xml"] > _MAX_DOCUMENT_XML or sum(sizes.values()) > _MAX_UNPACKED:
        raise DocumentTooComplex("the Word document is too large to read safely")
