"""Plain text (.txt): decode whatever encoding it came in, split pages on form feeds.

Letters arrive as UTF-8 from web forms, UTF-16 from Windows tools (Notepad's "Unicode") and
cp1252 from older systems; decoding never fails, invalid bytes become U+FFFD.
"""

from __future__ import annotations

import codecs

from denialops.domain.facts import ExtractedText, PageText
from denialops.pipeline.text.errors import DocumentTooComplex, UnreadableDocument
from denialops.pipeline.text.media import TEXT_PLAIN
from denialops.pipeline.text.normalise import clean_page_text, has_text
from denialops.pipeline.text.options import TextOptions

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_REPLACEMENT = "\ufffd"


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark at the start of `data` announces, and the mark's length."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _bomless_utf16(data: bytes) -> str | None:
    """Recognise UTF-16 without a BOM by its NULs: ASCII-range text in UTF-16 has a NUL in
    every other byte, on the odd positions for little-endian and the even ones for big."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) // 2)
    odd_nuls = data[1::2].count(0) / (len(data) // 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Decode `data` as text, never failing: BOM, else UTF-8, else cp1252, bad bytes replaced."""
    found = bom_encoding(data)
    if found is not None:
        encoding, skip = found
        return data[skip:].decode(encoding, errors="replace")
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few corrupt bytes should stay UTF-8 (decoding it as cp1252 would garble
    # every accented letter); a file whose non-ASCII bytes mostly fail is legacy cp1252.
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count(_REPLACEMENT) - data.count(_REPLACEMENT.encode("utf-8"))
    good = sum(1 for ch in as_utf8 if ord(ch) > 0x7F and ch != _REPLACEMENT)
    if good > bad:
        return as_utf8
    return data.decode("cp1252", errors="replace")


def extract_plain(data: bytes, options: TextOptions) -> ExtractedText:
    """Read a .txt document; each form feed starts a new page."""
    text = decode_text(data)
    raw_pages = text.split("\f")
    # A printer-style file ends with a form feed; that does not make an extra, empty page.
    while len(raw_pages) > 1 and not raw_pages[-1].strip():
        raw_pages.pop()
    if len(raw_pages) > options.max_pages:
        raise DocumentTooComplex(
            f"the document has {len(raw_pages)} pages; the limit is {options.max_pages}"
        )
    pages = [
        PageText(number=number, text=clean_page_text(raw))
        for number, raw in enumerate(raw_pages, start=1)
    ]
    if not any(has_text(page.text) for page in pages):
        raise UnreadableDocument("no readable text: the text file is empty or blank")
    return ExtractedText(source_type=TEXT_PLAIN, pages=pages)
