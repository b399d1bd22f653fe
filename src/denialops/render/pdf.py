"""A document's Markdown as a PDF (fpdf2): headings, paragraphs, lists, quotes and bold.

Text is set in DejaVu Sans, a Unicode TrueType font, when the system has it, so names such as
"José Nuñez" and the typographic dashes the templates use print as written. Without it the
PDF falls back to the core Helvetica font, which only knows Latin-1: other characters are
transliterated (an em dash becomes "-") or replaced, never a crash. The creation date is an
argument with a fixed default, so the same Markdown always gives the same bytes and can be
cached.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from fpdf import FPDF

from denialops.render.markdown import Block, parse, spans

__all__ = ["FIXED_CREATED", "FONT_DIR", "markdown_to_pdf"]

#: The creation date stamped into a PDF unless the caller gives one (stable bytes).
FIXED_CREATED: Final = datetime(2000, 1, 1, tzinfo=UTC)
FONT_DIR: Final = Path("/usr/share/fonts/truetype/dejavu")
_FONT_FILES: Final = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
}

_BODY_SIZE: Final = 10.5
_LINE_H: Final = 5.4
_HEADING_SIZES: Final = {1: 16.0, 2: 13.0, 3: 11.5}
_INDENT: Final = 6.0
_BULLET_W: Final = 5.0
_QUOTE_GREY: Final = 80

#: Latin-1 stand-ins for the non-Latin-1 characters the templates and letters commonly use.
_LATIN1: Final = str.maketrans(
    {
        "\u2014": "-",  # em dash
        "\u2013": "-",  # en dash
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "-",  # bullet
        "\u2610": "[ ]",  # ballot box
        "\u2611": "[x]",
        "\u2192": "->",
        "\u20ac": "EUR",
        "\u00a0": " ",
    }
)


def markdown_to_pdf(
    markdown: str, title: str, *, created: datetime = FIXED_CREATED, font_dir: Path = FONT_DIR
) -> bytes:
    """Render `markdown` as a PDF titled `title` (the title goes into the metadata, and is
    printed as a heading when the Markdown does not open with one)."""
    pdf = _Writer(font_dir)
    pdf.set_title(pdf.clean(title))
    pdf.set_author("DenialOps")
    pdf.set_creator("DenialOps")
    pdf.set_creation_date(created)
    pdf.add_page()
    blocks = parse(markdown)
    if not blocks or blocks[0].kind != "heading" or blocks[0].level != 1:
        blocks.insert(0, Block("heading", title, 1))
    previous: Block | None = None
    for block in blocks:
        pdf.block(block, previous)
        previous = block
    return bytes(pdf.output())


class _Writer(FPDF):
    """An FPDF that knows how to set each kind of block."""

    def __init__(self, font_dir: Path) -> None:
        super().__init__(format="Letter")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.body_family = self._install_fonts(font_dir)
        self.unicode_font = self.body_family != "Helvetica"

    def _install_fonts(self, font_dir: Path) -> str:
        regular = font_dir / _FONT_FILES[""]
        if not regular.is_file():
            return "Helvetica"
        for style, name in _FONT_FILES.items():
            path = font_dir / name
            self.add_font("DejaVu", style, str(path if path.is_file() else regular))
        return "DejaVu"

    def clean(self, text: str) -> str:
        """`text` in characters the current font can show."""
        if self.unicode_font:
            return text
        return _to_latin1(text)

    def block(self, block: Block, previous: Block | None) -> None:
        items = ("bullet", "check", "number")
        if previous is not None and not (block.kind in items and previous.kind in items):
            self.ln(2.2)
        if block.kind == "heading":
            self._heading(block)
        elif block.kind == "rule":
            y = self.get_y() + 1
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.ln(2)
        elif block.kind == "quote":
            self.set_text_color(_QUOTE_GREY)
            self._rich(block.text, indent=_INDENT, style="I")
            self.set_text_color(0)
        elif block.kind in items:
            self._rich(block.text, indent=_INDENT / 2, marker=self._marker(block))
        else:
            self._rich(block.text)

    def _heading(self, block: Block) -> None:
        size = _HEADING_SIZES.get(block.level, _BODY_SIZE + 0.5)
        if block.level > 1:
            self.ln(1.5)
        self.set_font(self.body_family, "B", size)
        text = "".join(part for part, _ in spans(block.text))
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(0.8)

    def _marker(self, block: Block) -> str:
        if block.kind == "number":
            return f"{block.level}."
        if block.kind == "check":
            return "\u2610" if self.unicode_font else "[ ]"  # ballot box
        return "\u2022" if self.unicode_font else "-"

    def _rich(self, text: str, *, indent: float = 0.0, style: str = "", marker: str = "") -> None:
        """Write `text` with its **bold** spans, wrapped, with a hanging indent after
        `marker`."""
        left = self.l_margin
        self.set_x(left + indent)
        if marker:
            self.set_font(self.body_family, "", _BODY_SIZE)
            width = max(_BULLET_W, self.get_string_width(marker) + 1.5)
            self.cell(width, _LINE_H, self.clean(marker))
            indent += width
        self.set_left_margin(left + indent)
        self.set_x(left + indent)
        try:
            for part, bold in spans(text):
                self.set_font(self.body_family, "B" if bold else style, _BODY_SIZE)
                self.write(_LINE_H, self.clean(part))
            self.ln(_LINE_H)
        finally:
            self.set_left_margin(left)


def _to_latin1(text: str) -> str:
    """Latin-1 text for the core fonts: known stand-ins first, then accents stripped from
    letters outside Latin-1 ("ő" → "o"), then "?" for anything left."""
    out: list[str] = []
    for ch in text.translate(_LATIN1):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(ord(c) < 256 for c in base) else "?")
    return "".join(out)
