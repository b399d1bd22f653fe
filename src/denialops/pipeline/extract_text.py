"""Stage 1, `extract_text`: the letter's text, page by page (OCR where a page has no text).

Writes `extracted_text.txt`: each page under a header saying whether it was OCR'd and with
what confidence, so a reader can tell how far to trust it.
"""

from __future__ import annotations

from typing import ClassVar

from denialops.domain.facts import ExtractedText
from denialops.pipeline.context import CaseContext
from denialops.pipeline.text import TextOptions, extract_text


def render_text_artifact(text: ExtractedText) -> str:
    parts = []
    for page in text.pages:
        how = (
            f"OCR, confidence {page.ocr_confidence:.2f}"
            if page.ocr and page.ocr_confidence is not None
            else ("OCR" if page.ocr else "text layer")
        )
        parts.append(f"===== page {page.number} ({how}) =====\n{page.text.rstrip()}\n")
    return "\n".join(parts)


class ExtractText:
    """Read the denial letter into page-preserving text."""

    name: ClassVar[str] = "extract_text"
    required: ClassVar[bool] = True

    def __init__(self, options: TextOptions | None = None) -> None:
        self.options = options or TextOptions()

    def __call__(self, ctx: CaseContext) -> CaseContext:
        ctx.text = extract_text(ctx.letter.data, ctx.letter.content_type, self.options)
        ctx.add_artifact(
            "extracted_text.txt", "text/plain; charset=utf-8", render_text_artifact(ctx.text)
        )
        return ctx
