"""A document's Markdown as an editable Word file (python-docx): headings, paragraphs, lists.

Letters are meant to be edited before they are sent (blanks to fill, paragraphs to keep or
delete), which is what the DOCX rendering is for. The file is made deterministic so it can be
cached: the core properties carry a fixed date (an argument) and the ZIP container is rewritten
with fixed entry timestamps, so the same Markdown always gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any, Final

import docx
from docx.shared import Pt

from denialops.render.markdown import Block, parse, plain, spans
from denialops.render.pdf import FIXED_CREATED

__all__ = ["markdown_to_docx"]

_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP entry can carry
_LIST_STYLES: Final = {"bullet": "List Bullet", "number": "List Number"}
_CHECK_INDENT: Final = Pt(18)
_CHECK_HANG: Final = Pt(12)


def markdown_to_docx(markdown: str, title: str, *, created: datetime = FIXED_CREATED) -> bytes:
    """Render `markdown` as a DOCX titled `title` (in the core properties, and as a heading
    when the Markdown does not open with one)."""
    document = docx.Document()
    _set_properties(document, title, created)
    blocks = parse(markdown)
    if not blocks or blocks[0].kind != "heading" or blocks[0].level != 1:
        blocks.insert(0, Block("heading", title, 1))
    for block in blocks:
        _add_block(document, block)
    out = io.BytesIO()
    document.save(out)
    return _stable_zip(out.getvalue())


def _set_properties(document: Any, title: str, created: datetime) -> None:
    props = document.core_properties
    props.title = title
    props.author = "DenialOps"
    props.last_modified_by = "DenialOps"
    props.comments = ""
    props.revision = 1
    # python-docx writes naive datetimes as UTC; drop the zone so any aware value works.
    moment = created.replace(tzinfo=None)
    props.created = moment
    props.modified = moment
    props.last_printed = moment


def _add_block(document: Any, block: Block) -> None:
    if block.kind == "heading":
        document.add_heading(plain(block.text), level=min(block.level, 9))
    elif block.kind == "rule":
        document.add_paragraph("")
    elif block.kind in _LIST_STYLES:
        _add_runs(document.add_paragraph(style=_LIST_STYLES[block.kind]), block.text)
    elif block.kind == "check":
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = _CHECK_INDENT
        paragraph.paragraph_format.first_line_indent = -_CHECK_HANG
        _add_runs(paragraph, "☐ " + block.text)
    elif block.kind == "quote":
        paragraph = document.add_paragraph(style="Quote")
        _add_runs(paragraph, block.text)
    else:
        _add_runs(document.add_paragraph(), block.text)


def _add_runs(paragraph: Any, text: str) -> None:
    """`text`'s lines as runs separated by line breaks, its **bold** spans as bold runs."""
    for i, line in enumerate(text.split("\n")):
        if i:
            paragraph.add_run().add_break()
        for part, bold in spans(line):
            paragraph.add_run(part).bold = bold or None


def _stable_zip(data: bytes) -> bytes:
    """The same package with every entry's timestamp fixed (ZIP stores local wall time)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
