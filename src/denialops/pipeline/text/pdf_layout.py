"""A PDF page's text layer with its layout: PDFium's words, where they are, laid out as lines.

PDFium's own text (`get_text_bounded`) joins a line's words with single spaces and drops blank
lines, so a remittance table comes out as a row of tokens without columns. Here the page's
words are read with their positions and handed to `layout.lay_out`.

Speed: the page's text is read in one call and split into words in Python; PDFium is then
asked for the boxes of each word's first and last characters only (two ctypes calls a word,
1-2 ms for a dense page with the layout), not for every character. PDFium's rectangle API
would be cheaper still, but it gives one rectangle per text object, no help when a generator
writes a whole table row, spaces and all, as one text object (fpdf2 does).

Callers hold `PDFIUM_LOCK` (see `pdf`).
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from typing import Any

import pypdfium2.raw as pdfium_c

from denialops.pipeline.text.layout import Run, lay_out

_WORD = re.compile(r"\S+")
# Ten times a dense page of small print: beyond it the word-by-word reading would cost
# seconds, and a page like that is no letter; it gets PDFium's plain text.
_MAX_CHARS = 50_000

_Box = tuple[float, float, float, float]  # left, bottom, right, top in page space (y up)


# Page space -> reading space (u rightwards along a line, v downwards from line to line), as
# (a, b, c, d) for u = a·x + b·y and v = c·x + d·y, for each way text can run on a page. PDFium
# reports positions in page space, so text drawn turned (a landscape table on a portrait page,
# a page with /Rotate) still reads left to right once turned back. Dict order breaks ties.
_FRAMES: dict[str, tuple[int, int, int, int]] = {
    "right": (1, 0, 0, -1),  # upright
    "up": (0, 1, 1, 0),  # turned 90° anticlockwise
    "left": (-1, 0, 0, 1),  # upside down
    "down": (0, -1, -1, 0),  # turned 90° clockwise
}


def laid_out_text(page: Any, textpage: Any) -> str | None:
    """The page's text as lines that keep its columns and blank lines, or None when PDFium's
    character positions cannot be matched to its text (the caller then takes PDFium's plain
    text). Text outside the page's crop box is left out, as PDFium's bounded text does.

    Most of a page's words run one way, and the page is read that way. Words that run another
    way (a form number printed up the margin) would, taken as tall boxes among the lines,
    merge neighbouring lines: they are laid out on their own, after a blank line.
    """
    count = textpage.count_chars()
    if count > _MAX_CHARS:
        return None
    text = _page_text(textpage.raw, count)
    # PDFium's text leaves out control characters that its character list keeps (and, as
    # UCS-2, characters beyond the BMP), so a text index is a character index only when the
    # lengths agree; otherwise each word's indices are translated, and checked against the
    # character PDFium reports there.
    translate = len(text) != count
    read = _read_words(textpage.raw, text, page.get_bbox(), translate=translate)
    if read is None:
        return None
    runs, ways = read
    counts = Counter(way for way in ways if way is not None)
    main = max(_FRAMES, key=lambda way: counts[way])
    # A one-character word has no direction of its own: it goes with the page's.
    lines = lay_out(
        _turned([r for r, w in zip(runs, ways, strict=True) if w in (None, main)], main)
    )
    for way in _FRAMES:
        if way != main and counts[way]:
            aside = [r for r, w in zip(runs, ways, strict=True) if w == way]
            lines += ["", *lay_out(_turned(aside, way))]
    return "\n".join(lines)


def _page_text(handle: Any, count: int) -> str:
    """All of the page's text, as PDFium's text indices count it.

    Not pypdfium2's `get_text_range`, which recurses once per leading control character and
    so fails on a page that starts with a few thousand of them.
    """
    if count <= 0:
        return ""
    # The API needs count + 1 code units; twice that is safe even for a PDFium that wrote
    # UTF-16 surrogate pairs (the index checks then find the shift).
    buffer = (ctypes.c_ushort * (2 * count + 2))()
    written = pdfium_c.FPDFText_GetText(handle, 0, count, buffer)
    return bytes(buffer)[: 2 * max(written - 1, 0)].decode("utf-16-le", errors="replace")


def _read_words(
    handle: Any, text: str, crop: _Box, *, translate: bool
) -> tuple[list[Run], list[str | None]] | None:
    """The page's words, upright (page space with y flipped), and the way each runs (None for
    one character); None if a word's characters cannot be found. `translate`: map text indices
    to character indices."""
    crop_left, crop_bottom, crop_right, crop_top = crop
    # One buffer for both characters' boxes (FS_RECTF is left, top, right, bottom), read back
    # in one unpacking: reading a ctypes structure's fields one by one costs more than PDFium.
    boxes = (ctypes.c_float * 8)()
    first = ctypes.cast(boxes, ctypes.POINTER(pdfium_c.FS_RECTF))
    last = ctypes.cast(ctypes.byref(boxes, 4 * ctypes.sizeof(ctypes.c_float)), type(first))
    char_index = pdfium_c.FPDFText_GetCharIndexFromTextIndex
    unicode_at = pdfium_c.FPDFText_GetUnicode
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    runs: list[Run] = []
    ways: list[str | None] = []
    for match in _WORD.finditer(text):
        start, end = match.span()
        i, j = start, end - 1
        if translate:
            i, j = char_index(handle, i), char_index(handle, j)
            if i < 0 or j < i or unicode_at(handle, i) != ord(text[start]):
                return None
        if not (loose_box(handle, i, first) and loose_box(handle, j, last)):
            return None
        # Loose boxes span the font's full height and each glyph's advance, so a monospace
        # word's box is exactly its columns wide and a line's words share one band.
        left1, top1, right1, bottom1, left2, top2, right2, bottom2 = boxes
        left, right = min(left1, left2), max(right1, right2)
        bottom, top = min(bottom1, bottom2), max(top1, top2)
        if not math.isfinite(left + right + bottom + top):
            return None
        if right < crop_left or left > crop_right or top < crop_bottom or bottom > crop_top:
            continue
        runs.append(Run(match.group(), left, -top, right, -bottom))
        way = None
        if i != j:  # from the first character's centre to the last's
            dx = left2 + right2 - left1 - right1
            dy = bottom2 + top2 - bottom1 - top1
            if abs(dx) >= abs(dy):
                way = "right" if dx >= 0 else "left"
            else:
                way = "up" if dy > 0 else "down"
        ways.append(way)
    return runs, ways


def _turned(runs: list[Run], way: str) -> list[Run]:
    """`runs`, read upright from page space, in the reading space of text running `way`."""
    if way == "right":
        return runs
    a, b, c, d = _FRAMES[way]
    turned: list[Run] = []
    for run in runs:
        left, bottom, right, top = run.left, -run.bottom, run.right, -run.top
        u1, u2 = a * left + b * bottom, a * right + b * top
        v1, v2 = c * left + d * bottom, c * right + d * top
        turned.append(Run(run.text, min(u1, u2), min(v1, v2), max(u1, u2), max(v1, v2)))
    return turned
