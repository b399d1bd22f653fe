"""PDF: the text layer page by page (PDFium), OCR for pages that have none, pypdf as a
fallback for files PDFium refuses to open.

PDFium's text keeps the page's layout (columns, blank lines: see `pdf_layout`); the pypdf
fallback, for the rare file only pypdf can open, reads plain text without it.

PDFium is not thread-safe, not even across different documents, and the pipeline runs stages
in worker threads; every PDFium call in the process must therefore hold `PDFIUM_LOCK`. OCR
works on a copied bitmap and runs outside the lock, so one thread's OCR does not stall
another thread's PDF parsing.
"""

from __future__ import annotations

import io
import math
import threading
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from numpy.typing import NDArray
from pypdf import PasswordType, PdfReader

from denialops.domain.facts import ExtractedText, PageText
from denialops.errors import DenialOpsError
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.media import PDF
from denialops.pipeline.text.normalise import clean_page_text, has_text
from denialops.pipeline.text.ocr import recognise
from denialops.pipeline.text.options import Deadline, TextOptions
from denialops.pipeline.text.pdf_layout import laid_out_text

#: Hold this around every PDFium call anywhere in the process (see the module docstring).
PDFIUM_LOCK = threading.RLock()

_PASSWORD_PROTECTED = "the PDF is password-protected; upload a copy without a password"


def extract_pdf(data: bytes, options: TextOptions, deadline: Deadline) -> ExtractedText:
    """Read a PDF page by page, OCR'ing pages without a usable text layer."""
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise UnreadableDocument(_PASSWORD_PROTECTED) from exc
        # PDFium is strict about some damage that pypdf repairs (and vice versa).
        return _extract_with_pypdf(data, options, deadline)
    try:
        pages = _read_pages(document, options, deadline)
    finally:
        with PDFIUM_LOCK:
            document.close()
    if not any(has_text(page.text) for page in pages):
        if not options.ocr:
            raise UnreadableDocument(
                "no readable text: the PDF has no text layer (it may be a scan) and OCR is off"
            )
        raise UnreadableDocument("no readable text: the PDF has no text layer and OCR found none")
    return ExtractedText(source_type=PDF, pages=pages)


def _read_pages(document: Any, options: TextOptions, deadline: Deadline) -> list[PageText]:
    with PDFIUM_LOCK:
        count = len(document)
    _check_page_count(count, options)
    ocr_budget = options.ocr_max_pages if options.ocr else 0
    pages: list[PageText] = []
    for index in range(count):
        deadline.check()
        with PDFIUM_LOCK:
            text, pixels = _read_page(document, index, options, render=ocr_budget > 0)
        page = PageText(number=index + 1, text=text)
        if pixels is not None:
            ocr_budget -= 1
            deadline.check()
            recognised = recognise(pixels)
            if recognised is not None:
                page = PageText(
                    number=index + 1,
                    text=recognised.text,
                    ocr=True,
                    ocr_confidence=recognised.confidence,
                )
        pages.append(page)
    return pages


def _read_page(
    document: Any, index: int, options: TextOptions, *, render: bool
) -> tuple[str, NDArray[np.uint8] | None]:
    """A page's cleaned text layer and, when the layer is near-empty and `render` is set, the
    page rendered for OCR. A page PDFium cannot load reads as empty. Caller holds the lock."""
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return "", None
    try:
        textpage = page.get_textpage()
        try:
            laid_out = laid_out_text(page, textpage)
            text = clean_page_text(textpage.get_text_bounded() if laid_out is None else laid_out)
        finally:
            textpage.close()
        if not render or has_text(text, options.ocr_min_chars):
            return text, None
        return text, _render(page, options)
    except pdfium.PdfiumError:
        return "", None
    finally:
        page.close()


def _render(page: Any, options: TextOptions) -> NDArray[np.uint8] | None:
    width, height = page.get_size()
    if not (width > 0 and height > 0 and math.isfinite(width * height)):
        return None
    # A page may declare an enormous media box; cap the pixel count like any other image.
    scale = min(options.ocr_render_scale, math.sqrt(options.max_image_pixels / (width * height)))
    # Grayscale: a third of the memory, and colour does not help recognition.
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        # The bitmap's buffer belongs to PDFium; copy it before the bitmap is closed.
        return np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
    finally:
        bitmap.close()


def _extract_with_pypdf(data: bytes, options: TextOptions, deadline: Deadline) -> ExtractedText:
    """Text layer only: without PDFium there is no renderer, so no OCR."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _decrypts_without_password(reader):
            raise UnreadableDocument(_PASSWORD_PROTECTED)
        count = len(reader.pages)
        _check_page_count(count, options)
        pages: list[PageText] = []
        for index, page in enumerate(reader.pages):
            deadline.check()
            pages.append(PageText(number=index + 1, text=clean_page_text(page.extract_text())))
    except DenialOpsError:
        raise
    except Exception as exc:
        # pypdf raises whatever its parser trips over on hostile input (PdfReadError,
        # KeyError, ValueError, RecursionError ...); to the user they all mean the same.
        raise UnreadableDocument("no readable text: the PDF is damaged or not a PDF") from exc
    if not any(has_text(page.text) for page in pages):
        raise UnreadableDocument("no readable text: the PDF is damaged or has no text layer")
    return ExtractedText(source_type=PDF, pages=pages)


def _decrypts_without_password(reader: PdfReader) -> bool:
    # Many PDFs are encrypted with an empty user password, only to restrict printing/copying.
    try:
        return bool(reader.decrypt("") != PasswordType.NOT_DECRYPTED)
    except Exception:  # e.g. pypdf's DependencyError for AES without `cryptography`
        return False


def _check_page_count(count: int, options: TextOptions) -> None:
    if count < 1:
        raise UnreadableDocument("no readable text: the PDF has no pages")
    if count > options.max_pages:
        raise DocumentTooComplex(
            f"the PDF has {count} pages; the limit is {options.max_pages} pages"
        )
