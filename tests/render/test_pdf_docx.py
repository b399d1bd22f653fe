"""Markdown → PDF and DOCX: readable, Unicode-safe, and byte-for-byte stable."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from denialops.render.docx import markdown_to_docx
from denialops.render.markdown import Block, parse, spans
from denialops.render.pdf import FONT_DIR, markdown_to_pdf

LETTER = """# Appeal of a denied claim

Acme Health Plan\\
Attn: Appeals Department

**RE:** Request for an internal appeal — Claim number CLM-1

I am writing about care by José Nuñez, MD.

> The service is not medically necessary.

- A bullet with **bold** words
- [ ] A checklist item
1. A numbered item

## Assumptions

- The facts in this document were read from your denial letter.

This is not legal or medical advice.
"""


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


class TestMarkdownBlocks:
    def test_reads_the_subset_the_templates_write(self) -> None:
        blocks = parse(LETTER)

        assert blocks[0] == Block("heading", "Appeal of a denied claim", 1)
        assert blocks[1] == Block("paragraph", "Acme Health Plan\nAttn: Appeals Department")
        assert Block("quote", "The service is not medically necessary.") in blocks
        assert Block("bullet", "A bullet with **bold** words") in blocks
        assert Block("check", "A checklist item") in blocks
        assert Block("number", "A numbered item", 1) in blocks
        assert Block("heading", "Assumptions", 2) in blocks
        assert blocks[-1] == Block("paragraph", "This is not legal or medical advice.")

    def test_soft_wrapped_lines_join_and_indented_lines_continue_an_item(self) -> None:
        blocks = parse("one\ntwo\n\n- item\n  continued\n")
        assert blocks == [Block("paragraph", "one two"), Block("bullet", "item continued")]

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a **b** c", [("a ", False), ("b", True), (" c", False)]),
            ("**RE:** x", [("RE:", True), (" x", False)]),
            ("odd ** marker", [("odd ** marker", False)]),
            ("________", [("________", False)]),
        ],
    )
    def test_bold_spans(self, text: str, expected: list[tuple[str, bool]]) -> None:
        assert spans(text) == expected


class TestPdf:
    def test_is_a_pdf_whose_text_reads_back(self) -> None:
        data = markdown_to_pdf(LETTER, "Appeal letter")

        assert data.startswith(b"%PDF")
        text = pdf_text(data)
        for expected in ("José Nuñez", "Appeal of a denied claim", "— Claim number CLM-1"):
            assert expected in text
        assert "**" not in text
        metadata = PdfReader(io.BytesIO(data)).metadata
        assert metadata is not None
        assert metadata.title == "Appeal letter"

    def test_same_markdown_same_bytes(self) -> None:
        assert markdown_to_pdf(LETTER, "T") == markdown_to_pdf(LETTER, "T")

    def test_creation_date_is_an_argument(self) -> None:
        when = datetime(2024, 7, 1, tzinfo=UTC)
        assert markdown_to_pdf(LETTER, "T", created=when) != markdown_to_pdf(LETTER, "T")

    @pytest.mark.skipif(not (FONT_DIR / "DejaVuSans.ttf").is_file(), reason="no DejaVu font")
    def test_unicode_font_keeps_every_character(self) -> None:
        text = pdf_text(markdown_to_pdf("Őrség — “quoted” \u2013 ☐", "T"))
        assert "Őrség — “quoted” \u2013" in text

    def test_without_a_unicode_font_it_degrades_instead_of_crashing(self, tmp_path: Path) -> None:
        markdown = LETTER + "\nŐrség 漢字 “quoted” … ☐\n"
        data = markdown_to_pdf(markdown, "Título — T", font_dir=tmp_path)

        text = pdf_text(data)
        assert data.startswith(b"%PDF")
        assert "José Nuñez" in text  # Latin-1 letters survive
        assert 'Orség ?? "quoted" ... [ ]' in text
        assert "Request for an internal appeal - Claim number CLM-1" in text

    def test_markdown_without_a_heading_gets_the_title(self) -> None:
        assert pdf_text(markdown_to_pdf("Just a line.", "Call script")).startswith("Call script")


class TestDocx:
    def open(self, data: bytes) -> docx.document.Document:
        return docx.Document(io.BytesIO(data))

    def style(self, paragraph: Paragraph) -> str | None:
        return paragraph.style.name if paragraph.style is not None else None

    def test_opens_with_the_heading_lists_and_bold(self) -> None:
        document = self.open(markdown_to_docx(LETTER, "Appeal letter"))
        paragraphs = document.paragraphs

        assert self.style(paragraphs[0]) == "Heading 1"
        assert paragraphs[0].text == "Appeal of a denied claim"
        assert document.core_properties.title == "Appeal letter"
        styles = {p.text: self.style(p) for p in paragraphs}
        assert styles["A bullet with bold words"] == "List Bullet"
        assert styles["A numbered item"] == "List Number"
        assert styles["Assumptions"] == "Heading 2"
        assert styles["☐ A checklist item"] == "Normal"
        assert styles["The service is not medically necessary."] == "Quote"
        assert "José Nuñez" in styles.__repr__()
        bold = [r.text for p in paragraphs for r in p.runs if r.bold]
        assert bold == ["RE:", "bold"]

    def test_hard_breaks_stay_in_one_paragraph(self) -> None:
        document = self.open(markdown_to_docx(LETTER, "T"))
        assert document.paragraphs[1].text == "Acme Health Plan\nAttn: Appeals Department"

    def test_same_markdown_same_bytes(self) -> None:
        assert markdown_to_docx(LETTER, "T") == markdown_to_docx(LETTER, "T")

    def test_created_date_is_an_argument(self) -> None:
        when = datetime(2024, 7, 1, 12, 30, tzinfo=UTC)
        document = self.open(markdown_to_docx(LETTER, "T", created=when))
        assert document.core_properties.created == when

    def test_markdown_without_a_heading_gets_the_title(self) -> None:
        document = self.open(markdown_to_docx("Just a line.", "Call script"))
        assert [p.text for p in document.paragraphs] == ["Call script", "Just a line."]
