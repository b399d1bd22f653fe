"""The one place page text is cleaned, so every format yields text of the same shape.

Later stages record evidence as character offsets into `PageText.text`, so whatever cleaning
we do must happen here, before a page is returned, and never after.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 control characters other than tab and newline. NUL in particular must go: PostgreSQL
# text and jsonb columns reject it. Form feeds are page breaks and are split on beforehand.
# Zero-width space and stray byte-order marks (U+FEFF) are dropped too: invisible, they
# would split a code such as "CO-197" for every pattern that reads the text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_SOFT_HYPHEN = "\u00ad"


def clean_page_text(text: str) -> str:
    """Return `text` with one newline convention, NFKC-normalised, without control characters
    or trailing spaces, and without leading or trailing blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    # NFKC folds ligatures (PDF "ﬁ"), non-breaking and other odd spaces, and full-width
    # digits into the plain characters that fact patterns look for.
    text = unicodedata.normalize("NFKC", text)
    text = text.replace(_SOFT_HYPHEN, "")
    text = _CONTROL.sub("", text)
    # Trailing spaces and tabs, line by line: several times faster than a `[ \t]+$` regex,
    # which starts a match attempt at every space of the page.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    return text.strip("\n")


def has_text(text: str, min_chars: int = 1) -> bool:
    """Whether `text` holds at least `min_chars` non-whitespace characters."""
    count = 0
    for ch in text:
        if not ch.isspace():
            count += 1
            if count >= min_chars:
                return True
    return False
