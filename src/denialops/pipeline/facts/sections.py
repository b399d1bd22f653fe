"""The letter's prose structure: sentences, passages, headings and boilerplate.

Everything here works on a bounded slice of the letter (a few hundred characters around a
match), so callers stay linear in the letter's size however many matches they look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from denialops.pipeline.facts.document import Doc, Sieved
from denialops.pipeline.facts.values import words

# Words that end with a period without ending a sentence.
_ABBREVIATIONS: Final = frozenset(
    words(
        "dr mr mrs ms st no nos inc co corp ltd jr sr vs etc dept ste apt ave blvd rd jan feb "
        "mar apr jun jul aug sep sept oct nov dec approx est ext fig sec e.g i.e u.s a.m p.m md "
        "m.d d.o ph.d p.o"
    )
)
# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by whitespace.
_SENTENCE_END: Final = re.compile(r"[.!?][\"')\]]*(?=\s|$)|\n[ \t]*\n")
_WORD_BEFORE: Final = re.compile(r"([A-Za-z][A-Za-z.]*)$")

_HEADING_WORDS: Final = re.compile(r"[A-Za-z][A-Za-z'&/-]*")
# A line that starts like "Label:" (a field), "- " / "1." (a list item) or "Re:".
_LABEL_LINE: Final = re.compile(r"[ \t]*(?:[-*•·>]|\d{1,2}[.)][ \t]|[A-Za-z][\w /#&().'-]{0,40}:)")

BOILERPLATE: Final = Sieved(
    r"(?i)\b(?:right\s+to\s+(?:appeal|request|file|an?\s+(?:appeal|external|independent))"
    r"|you\s+(?:may|can|must)\s+(?:still\s+)?(?:appeal|ask|request|file|call|contact|also|send"
    r"|submit|resubmit)"
    r"|if\s+you\s+(?:have\s+questions|disagree|need|would\s+like|think|believe|are\s+not)"
    r"|to\s+(?:file|request|submit)\s+an?\s+appeal|appeal\s+rights|external\s+review"
    r"|language\s+(?:assistance|help|services)|interpret|free\s+of\s+charge|TTY"
    r"|(?:this|it)\s+is\s+not\s+a\s+bill|please\s+(?:call|contact)|call\s+(?:us|member)"
    r"|contact\s+(?:us|member|customer)|department\s+of\s+insurance|discriminat"
    r"|sincerely|expedited|independent\s+review|ombudsman|atenci[oó]n"
    r"|appeal\s+(?:within|by|this|the|our)\b|\bto\s+appeal\b|\bcalling\b|if\s+you\s+had\b"
    r"|please\s+(?:give|send|call|contact|submit|ask|have|use|verify|bill)\b"
    r"|\d{3}[ .-]\d{3}[ .-]\d{4})"
)


def sentence_spans(doc: Doc, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Sentences in `doc.text[start:end]` as absolute (start, end) spans, whitespace trimmed.

    A blank line always ends a sentence; a period after a known abbreviation or an initial
    does not. Lazy, as most callers stop at the first sentence that suits them.
    """
    return _sentence_bounds(doc.text, start, end)


def split_sentences(text: str) -> list[str]:
    """`text` cut into sentences by the same rules as `sentence_spans`."""
    return [text[s:e] for s, e in _sentence_bounds(text, 0, len(text))]


def _sentence_bounds(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group().startswith("."):
            word = _WORD_BEFORE.search(text, max(start, m.start() - 12), m.start())
            token = word.group(1).lower() if word else ""
            is_initial = len(token) == 1 and token.isalpha()
            if token in _ABBREVIATIONS or is_initial or _is_decimal(text, m.start()):
                continue
        stop = m.end() if not m.group().startswith("\n") else m.start()
        if (span := _trimmed(text, cursor, stop)) is not None:
            yield span
        cursor = m.end()
    if (span := _trimmed(text, cursor, end)) is not None:
        yield span


def _is_decimal(text: str, dot: int) -> bool:
    return dot > 0 and text[dot - 1].isdigit() and dot + 1 < len(text) and text[dot + 1].isdigit()


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def sentence_around(doc: Doc, pos: int, limit: int = 300) -> tuple[int, int]:
    """The sentence holding `pos`, each side bounded by `limit` characters."""
    lo = doc.paragraph_start(pos, limit)
    hi = min(len(doc.text), pos + limit)
    blank = doc.text.find("\n\n", pos, hi)
    if blank >= 0:
        hi = blank
    for s, e in sentence_spans(doc, lo, hi):
        if s <= pos < e or pos < s:
            return s, e
    return lo, hi


def is_heading(line: str) -> bool:
    """A short line of words with no sentence punctuation: "WHY WE DENIED THIS CLAIM"."""
    stripped = line.strip().rstrip(":")
    if not stripped or len(stripped) > 70 or stripped[-1] in ".,;":
        return False
    words = _HEADING_WORDS.findall(stripped)
    if not words or len(words) > 9:
        return False
    letters = [c for c in stripped if c.isalpha()]
    upper_share = sum(c.isupper() for c in letters) / max(1, len(letters))
    capitalised = sum(w[0].isupper() for w in words) / len(words)
    return upper_share > 0.8 or (line.rstrip().endswith(":") and capitalised >= 0.5)


def starts_with_label(line: str) -> bool:
    """Whether a line opens with a field label, list marker or similar structure."""
    return _LABEL_LINE.match(line) is not None


def is_boilerplate(sentence: str) -> bool:
    """Appeal-rights, language-help and contact sentences: never a denial reason."""
    return BOILERPLATE.found(sentence)
