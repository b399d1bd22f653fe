"""Limits for reading one document, and the deadline that enforces the time limit."""

from __future__ import annotations

import time
from dataclasses import dataclass

from denialops.pipeline.text.errors import DocumentTooComplex


@dataclass(frozen=True, slots=True)
class TextOptions:
    """How far `extract_text` may go with one document.

    The defaults suit a denial letter or an EOB; plan documents (SBC/EOC, often 10-300 pages)
    need a larger `max_pages` and `timeout_s` from the caller.
    """

    #: Refuse documents with more pages than this (`DocumentTooComplex`).
    max_pages: int = 50
    #: Wall-clock budget for the whole document, checked between pages and OCR calls.
    timeout_s: float = 30.0
    #: Run OCR on images and on PDF pages without a text layer.
    ocr: bool = True
    #: OCR at most this many PDF pages; further pages without a text layer stay empty.
    ocr_max_pages: int = 10
    #: A PDF page whose text layer has fewer non-space characters than this is OCR'd.
    ocr_min_chars: int = 20
    #: Render scale for OCR (1.0 = 72 dpi); 2.5 (180 dpi) keeps small print legible.
    ocr_render_scale: float = 2.5
    #: Refuse images (and rendered pages) larger than this many pixels: decompression bombs.
    max_image_pixels: int = 40_000_000
    #: Parse binary formats (PDF, images, DOCX) in a child process under the limits below,
    #: killed when it overruns them (see `sandbox`). Off only for tests of the parsers.
    isolate: bool = True
    #: The child's address-space cap in MiB (RLIMIT_AS). OCR needs about 1.5 GiB of it.
    max_memory_mb: int = 2048


class Deadline:
    """A point in time after which reading the document stops with `DocumentTooComplex`.

    Parsers cannot be interrupted from outside (PDFium has no cancellation), so the deadline
    is checked cooperatively between units of work; one pathological page can overrun it.
    """

    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._expires = time.monotonic() + timeout_s

    def check(self) -> None:
        """Raise `DocumentTooComplex` if the time budget is spent."""
        if time.monotonic() > self._expires:
            raise DocumentTooComplex(
                f"the document took longer than {self._timeout_s:g} s to read; "
                "try a smaller file or fewer pages"
            )
