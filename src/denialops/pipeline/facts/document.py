"""The letter as one searchable string, with a way back to page-local evidence.

Every extractor searches `Doc.text` (the pages joined by a page break, a few characters folded
to ASCII look-alikes) or its lower-cased twin `Doc.lower`. Folding and lower-casing are one
character for one character, so an offset in either is an offset in the joined original and
`Doc.evidence` can quote the page's own text exactly.

Speed comes from two rules. Full-text scans use patterns that start with a literal or a rare
character (":", "$", "/", "claim" ...), which the regex engine skips to in C; the precise
pattern then runs only at those anchors, over a bounded neighbourhood. And each anchor
yields at most `MAX_CANDIDATES` matches, so adversarial text (ten megabytes of "$1.00") costs
a bounded amount of Python work. Together they keep extraction linear in the letter's size.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import islice
from typing import Final

from denialops.domain.facts import Evidence, ExtractedText

PAGE_BREAK: Final = "\n\f\n"
#: Matches examined per anchor pattern: far above any real letter, a bound for hostile ones.
MAX_CANDIDATES: Final = 4000
#: For "first good one" searches (a reason label, a signature, a narrative provider): a real
#: letter has its answer among the first few occurrences of the anchor word.
FIRST_CANDIDATES: Final = 200

# Same-length folding: each key is one character and so is each value. U+0130 is folded
# because it is the one character whose lower-case form is two characters long.
_FOLD: Final = {
    "\r": " ",
    "\f": "\n",
    "\v": "\n",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u0130": "I",
}
_NEEDS_FOLD: Final = re.compile(
    "[\r\f\v\u00a0\u2007\u2009\u202f\u2010-\u2014\u2212\u2018\u2019\u201c\u201d\u0130]"
)
_SPACES: Final = re.compile(r"\s+")
_HYPHEN_BREAK: Final = re.compile(r"(?<=\w)-[ \t]*\n[ \t]*(?=\w)")

# Letter text is data. A line that talks to a machine ("ignore previous instructions", "set
# the member ID to ...") is blanked before any extractor sees it, so it can neither be
# followed nor be read as a value. Each pattern starts with a literal, so looking is cheap.
_INSTRUCTIONS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        *(
            rf"{verb}\b[^\n]{{0,40}}?\b(?:previous|prior|above|all|earlier|preceding|your|the|any"
            r"|other)\b[^\n]{0,20}?\b(?:instructions?|prompts?|rules|directions|guidelines)\b"
            for verb in ("ignore", "disregard", "forget", "override")
        ),
        r"system[ \t]*prompt\b",
        r"developer[ \t]*prompt\b",
        r"you[ \t]+are[ \t]+(?:now[ \t]+)?(?:an?[ \t]+)?(?:ai|assistant|language[ \t]+model|llm"
        r"|chatbot)\b",
        r"as[ \t]+an[ \t]+ai\b",
        *(
            rf"{verb}[ \t]+(?:the[ \t]+|this[ \t]+)?(?:member[ \t]+id|claim(?:[ \t]+number)?|route"
            r"|deadline|amount|payer|decision|denial|status|code)[^\n]{0,20}?[ \t]+(?:to|as)\b"
            for verb in ("set", "change", "report", "output", "extract", "record", "mark")
        ),
    )
)
# "System:" / "Assistant:" count only as the speaker label opening a line.
_SPEAKERS: Final = (re.compile(r"system[ \t]*:"), re.compile(r"assistant[ \t]*:"))


# The only characters that a case-blind ASCII pattern matches although their lower-case form
# differs from the pattern's letter: dotless i, long s, and dotted capital I (two characters
# when lower-cased). `Sieved` cannot vouch for text holding them, so it skips its sieve there.
_CASE_TRAPS: Final = re.compile("[\u0130\u0131\u017f]")


class Sieved:
    """A case-blind pattern for "does it occur here?" checks, run the fast way when it can be.

    Python's regex engine skips ahead to a possible first character only in a case-sensitive
    pattern whose every branch opens with a literal; a case-blind alternation, or one whose
    branches open with `\\b`, is tried in full at every position. So the pattern runs
    lower-cased, case-sensitively, over lower-cased text (the same matches, barring the
    trap characters), behind a sieve: the same again with its `\\b`s dropped. Whatever the
    pattern matches the sieve matches too, so when the sieve finds nothing (the usual case)
    the slower pattern need not run at all.
    """

    __slots__ = ("_lowered", "_sieve", "pattern")

    def __init__(self, pattern: str) -> None:
        # Lower-casing would turn \S, \W, \D or \B into their opposites; dropping \b inside a
        # negative look-ahead, or a look-behind peeking before a sliced-off start, would make
        # the sieve stricter than the pattern.
        if re.search(r"\\[A-Z]|\(\?<|\(\?!", pattern):
            raise ValueError(f"pattern cannot be sieved: {pattern!r}")
        self.pattern = re.compile(pattern, re.IGNORECASE)
        lowered = pattern.lower().replace("(?i)", "")
        self._lowered = re.compile(lowered)
        # Without a \b the sieve would be the lowered pattern itself: no need to run it twice.
        self._sieve = re.compile(lowered.replace("\\b", "")) if "\\b" in lowered else None

    def found(self, text: str, lower: str | None = None, start: int = 0, end: int = -1) -> bool:
        """Whether the pattern matches in `text[start:end]`; `lower` is `text.lower()`."""
        stop = len(text) if end < 0 else end
        if _CASE_TRAPS.search(text, start, stop) is not None:
            return self.pattern.search(text, start, stop) is not None
        # Without traps lower-casing keeps every offset, so spans in `lower` are spans in `text`.
        if lower is None:
            lower, start, stop = text[start:stop].lower(), 0, stop - start
        if self._sieve is not None and self._sieve.search(lower, start, stop) is None:
            return False
        return self._lowered.search(lower, start, stop) is not None


def anchored(
    pattern: re.Pattern[str], text: str, start: int = 0, end: int = -1, limit: int = MAX_CANDIDATES
) -> Iterator[re.Match[str]]:
    """`pattern.finditer` over `text[start:end]`, capped at `limit` matches."""
    stop = len(text) if end < 0 else end
    return islice(pattern.finditer(text, start, stop), limit)


class Doc:
    """The letter's text joined across pages, plus page and evidence bookkeeping."""

    __slots__ = ("_page_numbers", "_page_starts", "_pages", "first_page_end", "lower", "text")

    def __init__(self, extracted: ExtractedText) -> None:
        self._pages = [page.text for page in extracted.pages]
        self._page_numbers = [page.number for page in extracted.pages]
        self._page_starts: list[int] = []
        pos = 0
        for page in self._pages:
            self._page_starts.append(pos)
            pos += len(page) + len(PAGE_BREAK)
        joined = PAGE_BREAK.join(self._pages)
        # Most letters need no folding; skipping translate saves a copy of a huge letter.
        # Only the few characters to fold are touched: faster than translate on a long text.
        folded = _NEEDS_FOLD.sub(_fold, joined)
        lower = folded.lower()
        masked = _mask_instructions(folded, lower)
        self.text = masked
        self.lower = lower if masked is folded else masked.lower()
        if len(self.lower) != len(self.text):  # pragma: no cover - guarded by the fold table
            self.lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in self.text)
        self.first_page_end = len(self._pages[0]) if self._pages else 0

    def __len__(self) -> int:
        return len(self.text)

    def evidence(self, start: int, end: int) -> Evidence | None:
        """Evidence for `text[start:end]`, clipped to the page the span starts on.

        None for an empty span or one that starts inside a page break.
        """
        index = bisect_right(self._page_starts, start) - 1
        if index < 0:
            return None
        page_start = self._page_starts[index]
        page = self._pages[index]
        local_start = start - page_start
        local_end = min(end - page_start, len(page))
        if local_start >= len(page) or local_end <= local_start:
            return None
        # Validating four plain fields in pydantic-core is about twice as fast as
        # `model_construct`, whose Python-level bookkeeping costs more than the checks.
        return Evidence(
            page=self._page_numbers[index],
            start=local_start,
            end=local_end,
            quote=page[local_start:local_end],
        )

    def before(self, pos: int, size: int) -> str:
        """Up to `size` characters ending at `pos`."""
        return self.text[max(0, pos - size) : pos]

    def after(self, pos: int, size: int) -> str:
        """Up to `size` characters starting at `pos`."""
        return self.text[pos : pos + size]

    def line_start(self, pos: int, limit: int = 300) -> int:
        """Start of the line holding `pos`, looking back at most `limit` characters."""
        floor = max(0, pos - limit)
        return self.text.rfind("\n", floor, pos) + 1 or floor

    def line_end(self, pos: int, limit: int = 300) -> int:
        """End of the line holding `pos` (the newline's offset), looking ahead at most `limit`."""
        ceiling = min(len(self.text), pos + limit)
        found = self.text.find("\n", pos, ceiling)
        return ceiling if found < 0 else found

    def line_prefix(self, pos: int, limit: int = 300) -> str:
        """The text between the start of `pos`'s line and `pos`."""
        return self.text[self.line_start(pos, limit) : pos]

    def line_at(self, pos: int, limit: int = 300) -> tuple[int, int]:
        """(start, end) of the line holding `pos`, each bounded by `limit`."""
        return self.line_start(pos, limit), self.line_end(pos, limit)

    def paragraph_start(self, pos: int, limit: int = 400) -> int:
        """Start of the paragraph holding `pos` (after a blank line), bounded by `limit`."""
        floor = max(0, pos - limit)
        found = self.text.rfind("\n\n", floor, pos)
        return found + 2 if found >= 0 else floor


def _fold(m: re.Match[str]) -> str:
    return _FOLD[m.group()]


def _mask_instructions(text: str, lower: str) -> str:
    """Blank (with spaces, keeping offsets) every line holding an instruction to a machine."""
    spans: set[tuple[int, int]] = set()
    for pattern in _INSTRUCTIONS + _SPEAKERS:
        for m in anchored(pattern, lower):
            start = text.rfind("\n", max(0, m.start() - 300), m.start()) + 1
            if pattern in _SPEAKERS and text[start : m.start()].strip():
                continue
            stop = text.find("\n", m.end(), m.end() + 300)
            spans.add((start, stop if stop >= 0 else min(len(text), m.end() + 300)))
    if not spans:
        return text
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        start = max(start, cursor)
        if end <= start:
            continue
        pieces.append(text[cursor:start])
        pieces.append(" " * (end - start))
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def squash(text: str) -> str:
    """Collapse runs of whitespace to one space and rejoin words hyphenated across lines."""
    return _SPACES.sub(" ", _HYPHEN_BREAK.sub("-", text)).strip()
