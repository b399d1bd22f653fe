"""The `extract_text` stage's engine: page-preserving text from a document's bytes.

    sniffed = sniff_content_type(data, filename)          # what the bytes really are
    extracted = extract_text(data, sniffed, TextOptions())

Text PDFs are read page by page; pages without a text layer (scans) and images are OCR'd
offline; .txt splits pages on form feeds; .docx is one page. PDF and OCR text keeps the page's
layout, as `pdftotext -layout` does (`layout`): a table's cells stay in their columns, and
sections stay apart by blank lines. Each page's text is final: later stages record evidence
as character offsets into it. A document with no readable text raises `UnreadableDocument`
(422 `no_readable_text`); one beyond the limits in `TextOptions` raises its subclass
`DocumentTooComplex`.

Binary formats (PDF, PNG, JPEG, DOCX) are parsed in a sandboxed child process with memory,
time and page limits (`sandbox`), unless `TextOptions.isolate` is off; plain text is read
in process.
"""

from __future__ import annotations

from denialops.domain.facts import ExtractedText
from denialops.errors import UnsupportedMediaType
from denialops.pipeline.text.docx import extract_docx
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.image import extract_image
from denialops.pipeline.text.media import DOCX, JPEG, PDF, PNG, SUPPORTED_TYPES, TEXT_PLAIN
from denialops.pipeline.text.options import Deadline, TextOptions
from denialops.pipeline.text.pdf import PDFIUM_LOCK, extract_pdf
from denialops.pipeline.text.plain import extract_plain
from denialops.pipeline.text.sandbox import extract_isolated
from denialops.pipeline.text.sniff import declared_type_conflicts, sniff_content_type

__all__ = [
    "DOCX",
    "JPEG",
    "PDF",
    "PDFIUM_LOCK",
    "PNG",
    "SUPPORTED_TYPES",
    "TEXT_PLAIN",
    "DocumentTooComplex",
    "TextOptions",
    "UnreadableDocument",
    "declared_type_conflicts",
    "extract_text",
    "sniff_content_type",
]

DEFAULT_OPTIONS = TextOptions()


def extract_text(
    data: bytes, content_type: str, options: TextOptions = DEFAULT_OPTIONS
) -> ExtractedText:
    """Read `data`, a document of `content_type` (one of `SUPPORTED_TYPES`, as returned by
    `sniff_content_type`), into text page by page.

    Blocking and CPU-bound (OCR takes seconds a page): run it in a worker thread.
    Raises `UnreadableDocument` when there is no text to read, `DocumentTooComplex` beyond
    `options`' limits, `UnsupportedMediaType` for any other content type.
    """
    deadline = Deadline(options.timeout_s)
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind not in SUPPORTED_TYPES:
        raise UnsupportedMediaType(f"cannot read documents of type {kind or 'unknown'!r}")
    if not data:
        raise UnreadableDocument("no readable text: the document is empty")
    if kind == TEXT_PLAIN:
        return extract_plain(data, options)
    if options.isolate:
        return extract_isolated(data, kind, options)
    if kind == PDF:
        return extract_pdf(data, options, deadline)
    if kind == DOCX:
        return extract_docx(data)
    return extract_image(data, kind, options, deadline)
