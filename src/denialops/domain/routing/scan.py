"""Find the curated phrases in a text in time linear in its size, and turn spans into evidence.

A regex tried at every character of a 10 MB text costs most of a second in CPython, while a
substring search (`str.find`) costs a few milliseconds. So the scanner first looks for the
short anchors every phrase contains (`phrases.ANCHORS`), then runs the phrase regex only in
small windows around them. Work is bounded: past `MAX_ANCHOR_HITS` anchors or `MAX_MATCHES`
phrase matches the rest of the text is not read (a real letter has a few hundred at most).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from denialops.domain.facts import Evidence
from denialops.domain.routing.phrases import (
    ANCHORS,
    MAX_PHRASE_CHARS,
    PHRASE_RE,
    PHRASES,
    Phrase,
    normalize,
)

MAX_ANCHOR_HITS: Final = 10_000
MAX_MATCHES: Final = 5_000
#: How far around an anchor a phrase may start or end (phrase length plus separator slack).
_REACH: Final = MAX_PHRASE_CHARS + 24
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Hit:
    """A phrase found at `[start, end)` of the scanned text."""

    phrase: Phrase
    start: int
    end: int


def lower_same_length(text: str) -> str:
    """Lower-cased text whose offsets still match `text` (a few Unicode letters change length
    when lower-cased; then only ASCII is folded)."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def find_hits(low: str) -> Iterator[Hit]:
    """Every curated phrase in the lower-cased text, in order, longest match first."""
    count = 0
    for lo, hi in _windows(_anchor_hits(low), len(low)):
        for m in PHRASE_RE.finditer(low, lo, hi):
            if m.end() == hi < len(low) and _is_word_char(low[hi]):
                continue  # the window cut a longer word short
            phrase = PHRASES.get(normalize(m.group()))
            if phrase is None:  # pragma: no cover - every trie match is a table key
                continue
            yield Hit(phrase, m.start(), m.end())
            count += 1
            if count >= MAX_MATCHES:
                return


def evidence_for(text: str, spans: list[tuple[int, int]]) -> dict[tuple[int, int], Evidence]:
    """Evidence for spans of `text`: 1-based page (pages split at form feeds, as in
    `ExtractedText.full_text`) and offsets within that page. One pass over the text."""
    out: dict[tuple[int, int], Evidence] = {}
    page, page_start, prev = 1, 0, 0
    has_pages = "\f" in text
    for start, end in sorted(set(spans)):
        if has_pages:
            page += text.count("\f", prev, start)
            ff = text.rfind("\f", prev, start)
            if ff != -1:
                page_start = ff + 2 if text.startswith("\n", ff + 1) else ff + 1
            prev = start
        out[(start, end)] = Evidence(
            page=page,
            start=max(0, start - page_start),
            end=max(0, end - page_start),
            quote=text[start:end],
        )
    return out


def _anchor_hits(low: str) -> list[int]:
    """Positions of anchors, sorted; only the first `MAX_ANCHOR_HITS` of them."""
    hits: list[int] = []
    limit = len(low)
    for anchor in ANCHORS:
        i = low.find(anchor, 0, limit)
        while i != -1 and len(hits) < 2 * MAX_ANCHOR_HITS:
            hits.append(i)
            i = low.find(anchor, i + 1, limit)
        if len(hits) >= MAX_ANCHOR_HITS:
            hits.sort()
            del hits[MAX_ANCHOR_HITS:]
            limit = hits[-1] + 1  # later anchors need only look before the last kept hit
    hits.sort()
    return hits


def _windows(hits: list[int], size: int) -> Iterator[tuple[int, int]]:
    """Merged `[lo, hi)` windows around the anchor hits."""
    lo = hi = -1
    for pos in hits:
        start, end = max(0, pos - _REACH), min(size, pos + _REACH)
        if start <= hi:
            hi = max(hi, end)
            continue
        if hi > lo:
            yield lo, hi
        lo, hi = start, end
    if hi > lo:
        yield lo, hi


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
