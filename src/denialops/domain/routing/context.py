"""Where a phrase sits decides how much it counts.

A phrase in the letter's stated reason counts fully; in the rest of the letter less; in
boilerplate (appeal-rights paragraphs, "prior authorization may be required for some
services", language-assistance lines, regulator contacts) hardly at all; in a sentence that
reads like an instruction to a machine ("ignore previous instructions", "classify this as")
not at all: the letter is data, never a source of commands.

Context comes from the phrase's sentence (cue words) and from the section it sits under (the
nearest heading or `Label:` line above it). Negation is read from the phrase's own clause:
"was not denied for medical necessity", "this is not a prior authorization issue",
"authorization was on file" (but not "no authorization was on file", nor "no referral or
authorization was on file"). All lookups read a bounded window around the phrase.

Speed: the cue patterns are `Anchored` (`routing.anchors`), so a sentence holding none of a
cue's words is ruled out by substring tests before the regex runs; each sentence's cue
answers are remembered for the other phrases in it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

from denialops.domain.facts import RouteName
from denialops.domain.routing.anchors import Anchored
from denialops.domain.routing.scan import lower_same_length


class Context(StrEnum):
    STATED = "stated"  # the extracted denial reason (`CaseFacts.denial_reason`)
    REASON = "reason"  # the letter's reason section, or a sentence saying why it was denied
    BODY = "body"  # anywhere else in the letter
    BOILERPLATE = "boilerplate"  # appeal rights, generic notices, help lines
    IGNORED = "ignored"  # instruction-like text: never a signal


CONTEXT_FACTOR: Final[dict[Context, float]] = {
    Context.STATED: 1.0,
    Context.REASON: 0.8,
    Context.BODY: 0.4,
    Context.BOILERPLATE: 0.1,
    Context.IGNORED: 0.0,
}

_WINDOW: Final = 320  # how far a sentence may reach either side of a phrase
_SECTION_WINDOW: Final = 3_000  # how far back to look for the heading above a phrase
_MAX_HEADING_LINES: Final = 40
_CLAUSE_CHARS: Final = 90  # how far a negation cue may sit from its phrase

_ABBREVIATIONS: Final = frozenset(
    {"dr", "st", "mr", "mrs", "ms", "jr", "sr", "no", "inc", "vs", "etc", "dept", "approx",
     "e.g", "i.e", "p.o", "u.s", "ste", "ave", "corp", "co", "ltd", "ph.d", "m.d"}
)  # fmt: skip
#: A sentence ends at ". ", "! ", "? ", a blank line, or a line break before a bullet or "1.".
#: Written so that it opens with a character class, which lets the engine skip straight to
#: the next ".", "!", "?" or line break instead of trying the pattern at every character.
_BOUNDARY_RE: Final = re.compile(
    r"[.!?\n](?:(?<=[.!?])(?=\s)|(?<=\n)[ \t]*\n"
    r"|(?<=\n)(?=[ \t]*(?:[-\u2022*\u25aa\u25e6]|\d{1,2}[.)])[ \t]))"
)
#: Generic text that never states this case's reason, even inside the extracted reason.
_GENERIC_CUE: Final = Anchored(
    r"may\s+be\s+required|may\s+require|(?:some|certain)\s+services|you\s+have\s+(?:the|a)\s+"
    r"right|right\s+to\s+(?:appeal|file|request|ask|an?\b)|appeal\s+rights|language\s+"
    r"assistance|free\s+of\s+charge|\btty\b|if\s+you\s+have\s+(?:other|any|questions)|"
    r"not\s+legal\s+advice|this\s+is\s+not\s+a\s+bill"
)
#: Cues of boilerplate in the letter: appeal instructions, help lines, regulators.
_BOILERPLATE_CUE: Final = Anchored(
    r"your\s+appeal|an\s+appeal|to\s+appeal|file\s+an?\s+(?:appeal|complaint|grievance)|"
    r"\bif\s+you|for\s+help|interpret|call\s+us|contact\s+us|\bquestions?\b|"
    r"member\s+services|customer\s+service|department\s+of\s+(?:insurance|labor|managed)|"
    r"insurance\s+(?:department|commissioner)|ombudsman|consumer\s+assistance|"
    r"external\s+review|independent\s+review|grievance|discriminat|civil\s+rights|"
    r"please\s+include|\binclude:|\byou\s+may\s+(?:appeal|request|ask|call|file|submit|"
    r"contact|also|be\s+able|want)|you\s+can\s+(?:ask|request|call|appeal|submit)|"
    r"for\s+more\s+information|to\s+learn\s+more|why\s+you\s+believe|reconsider|"
    r"we\s+recommend|must\s+be\s+(?:submitted|received|filed)\s+within|let\s+us\s+know|"
    r"espa[ñn]ol|atenci[óo]n"
)
_REASON_CUE: Final = Anchored(
    r"denied\s+(?:because|due\s+to|as\b|for\b|based|since|on\s+the\s+basis)|"
    r"denial\s+(?:is|was)\s+based|(?:is|was|were|has\s+been|have\s+been)\s+denied\b|"
    r"reason\s+for\s+(?:the\s+|this\s+)?denial|denial\s+reason|we\s+(?:have\s+)?denied|"
    r"we\s+are\s+denying|not\s+(?:approved|paid|payable|covered)\s+because|"
    r"(?:cannot|can\s+not|unable\s+to)\s+(?:approve|pay|cover)|"
    r"(?:we\s+have|has\s+been|was)\s+determined|before\s+we\s+can\s+(?:decide|process|pay|"
    r"review|complete)|(?:is|remains)\s+(?:on\s+hold|pending)"
)
_ROUTE_IDS: Final = "|".join(route.value for route in RouteName)
_INJECTION: Final = Anchored(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|"
    r"these\s+)?(?:previous|prior|above|earlier|preceding|other|system|original)\s+"
    r"(?:instructions?|rules|prompts?|directions|text|messages?)|"
    r"\b(?:classify|categori[sz]e)\s+(?:this|the|it)\b[^.\n]{0,40}\bas\b|"
    r"\broute\s+(?:this|the|it)\b[^.\n]{0,40}\bas\s+(?:an?\s+|the\s+)?[\"']?(?:prior|medical|"
    r"claim|coverage|out|timely|eligib|coordination|duplicate|records)|"
    r"\brout(?:e|ing)\s*[:=]\s*[\"']?(?:prior|medical|claim|coverage|out|timely|eligib|"
    r"coordination|duplicate|records)|\bconfidence\s*[:=]\s*[\d.]|\bappealable\s*[:=]|"
    r"needs_human_review|"
    r"\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|classifier)\b|"
    r"system\s+prompt|new\s+instructions|\b(?:system|assistant)\s*:|"
    rf"\b(?:{_ROUTE_IDS})\b"
)
_NEG_ANYWHERE: Final = Anchored(
    r"\bnot\s+(?:been\s+)?(?:denied|declined|rejected)\b|n[o']t\s+deny\b|"
    r"n't\s+(?:been\s+)?(?:denied|declined|rejected)\b"
)
_NEG_BEFORE: Final = Anchored(
    r"(?:\bnot|n't)\s+(?:(?:a|an|the|because|of|due|to|based|on|related|for|as|about|"
    r"any|issue)\s+){1,3}$|\bunrelated\s+to\s+(?:(?:a|an|the|any)\s+)?$|"
    r"\b(?:rather|other)\s+than\s+(?:(?:a|an|the|any|lack\s+of)\s+)?$|"
    r"\binstead\s+of\s+(?:(?:a|an|the)\s+)?$|\bnothing\s+to\s+do\s+with\s+(?:(?:a|an|the)\s+)?$"
)
_NEG_AFTER: Final = Anchored(
    r"\s*(?:\w+\s+){0,2}?(?:is|was|were|are|has\s+been|had\s+been)\s+(?:"
    r"not\s+(?:the\s+|an?\s+)?(?:issue|reason|basis|problem|cause|factor|required|needed)|"
    r"on\s+file|obtained|approved|granted|valid|in\s+place|received|not\s+at\s+issue)\b|"
    r"\s*(?:\w+\s+){0,2}?(?:isn't|wasn't|aren't|weren't)\s+(?:the\s+)?(?:issue|reason|"
    r"required|needed)\b|\s*(?:does|did)\s+not\s+apply\b"
)
#: A "no" in the phrase or earlier in its clause makes a following "was on file" say the
#: thing was absent: "no authorization was on file", "no referral or X authorization was on
#: file". Then the phrase is not negated.
_ABSENCE: Final = Anchored(r"\b(?:no|neither|nor|without)\b")
_CLAUSE_BREAK_RE: Final = re.compile(r"[,;:()]|\b(?:but|however|although|though|while|whereas)\b")
_LABEL: Final = Anchored(r"[ \t]*([A-Za-z][A-Za-z0-9 /&'\u2019()#,.\-]{1,48}?)[ \t]*:(?!//)")
_BOILERPLATE_HEAD_RE: Final = re.compile(
    r"appeal|right|question|help|language|assist|contact|grievance|complaint|external review|"
    r"discriminat|interpret|how to|what you can do|what to do|include|to file|important|"
    r"privacy|customer service|member services|phone|fax|mail"
)
_REASON_HEAD_RE: Final = re.compile(r"reason|denial|denied|explanation|determination|basis|\bwhy\b")


class TextReader:
    """Answers "what context is this span in?" and "is it negated?" for one text."""

    def __init__(self, text: str, low: str, *, stated: bool = False) -> None:
        self.text = text
        self.low = low
        self.stated = stated
        self._headings: dict[int, Context | None] = {}
        # Memos: `context` and `negation` both need a hit's sentence, and neighbouring hits
        # often share a sentence or line, whose cue regexes then need running only once.
        self._sentences: dict[tuple[int, int], tuple[int, int]] = {}
        self._found: dict[tuple[Anchored, int, int], bool] = {}
        self._spans: dict[tuple[int, int], str] = {}

    @classmethod
    def of(cls, text: str, *, stated: bool = False) -> TextReader:
        """A reader of `text`, lower-cased once for every lookup (and every caller: the
        route's text findings and its appeal check share one reader, and its memos)."""
        return cls(text, lower_same_length(text), stated=stated)

    def context(self, start: int, end: int) -> Context:
        """The context of the span `[start, end)`."""
        s0, s1 = self.sentence(start, end)
        if self._instruction_like(s0, s1) or self._instruction_like(*self._line(start, end)):
            return Context.IGNORED
        generic = self._has(_GENERIC_CUE, s0, s1)
        reason = self._has(_REASON_CUE, s0, s1)
        if self.stated:  # the extractor chose this text as the reason: trust all but the generic
            return Context.BODY if generic and not reason else Context.STATED
        if generic or self._has(_BOILERPLATE_CUE, s0, s1):
            return Context.BODY if reason else Context.BOILERPLATE
        if reason:
            return Context.REASON
        return self._section(start) or Context.BODY

    def negation(self, start: int, end: int) -> tuple[int, int] | None:
        """The span from a negation cue to the phrase (or phrase to cue), or None."""
        s0, s1 = self.sentence(start, end)
        lo = max(s0, start - _CLAUSE_CHARS)
        before = self.low[lo:start]
        breaks = list(_CLAUSE_BREAK_RE.finditer(before))
        cut = breaks[-1].end() if breaks else 0
        clause = before[cut:]
        m = _NEG_BEFORE.search(clause) or _NEG_ANYWHERE.search(clause)
        if m:
            return lo + cut + m.start(), end
        after = self.low[end : min(s1, end + _CLAUSE_CHARS)]
        stop = _CLAUSE_BREAK_RE.search(after)
        m = _NEG_AFTER.match(after, 0, stop.start() if stop else len(after))
        if m is None or _ABSENCE.search(clause) or _ABSENCE.search(self.low, start, end):
            return None  # "no authorization was on file", "no referral or X was on file": none was
        return start, end + m.end()

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around a span, bounded to a window either side."""
        found = self._sentences.get((start, end))
        if found is None:
            found = self._sentences[(start, end)] = self._find_sentence(start, end)
        return found

    def _find_sentence(self, start: int, end: int) -> tuple[int, int]:
        lo = max(0, start - _WINDOW)
        # The last boundary before the span: look at the boundaries from the right, so that
        # only the last one or two need the abbreviation check.
        before = list(_BOUNDARY_RE.finditer(self.low, lo, start))
        left = next((m.end() for m in reversed(before) if self._ends_sentence(m)), lo)
        hi = min(len(self.low), end + _WINDOW)
        after = _BOUNDARY_RE.finditer(self.low, end, hi)
        stop = next((m.start() + 1 for m in after if self._ends_sentence(m)), hi)
        return left, stop

    def _ends_sentence(self, m: re.Match[str]) -> bool:
        """False for the full stop of "Dr.", "St.", "J." (an abbreviation or an initial)."""
        if self.low[m.start()] != ".":
            return True
        word = self.low[max(0, m.start() - 8) : m.start()].rsplit(None, 1)[-1:]
        return not (word and (len(word[0]) == 1 or word[0] in _ABBREVIATIONS))

    def _instruction_like(self, lo: int, hi: int) -> bool:
        """Whether `[lo, hi)` holds instruction-like text (`_INJECTION`)."""
        return self._has(_INJECTION, lo, hi)

    def _has(self, cue: Anchored, lo: int, hi: int) -> bool:
        """Whether `cue` matches within `[lo, hi)`, remembered per span."""
        key = (cue, lo, hi)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = cue.may_match(self._span(lo, hi)) and (
                cue.pattern.search(self.low, lo, hi) is not None
            )
        return found

    def _span(self, lo: int, hi: int) -> str:
        """`low[lo:hi]`, cut once for all the cues asked about it. (A slice holding only
        Latin-1 is stored one byte per character, where `in` is fastest.)"""
        span = self._spans.get((lo, hi))
        if span is None:
            span = self._spans[(lo, hi)] = self.low[lo:hi]
        return span

    def _line(self, start: int, end: int) -> tuple[int, int]:
        lo = max(0, start - _WINDOW)
        nl = self.low.rfind("\n", lo, start)
        hi = min(len(self.low), end + _WINDOW)
        stop = self.low.find("\n", end, hi)
        return (nl + 1 if nl != -1 else lo), (stop if stop != -1 else hi)

    def _section(self, pos: int) -> Context | None:
        """The context of the nearest heading above `pos` (None: no heading nearby)."""
        floor = max(0, pos - _SECTION_WINDOW)
        end = pos
        for _ in range(_MAX_HEADING_LINES):
            nl = self.text.rfind("\n", floor, end)
            if nl == -1 and floor > 0:
                return None  # the window cut the line: its start is unknown
            kind = self._heading(nl + 1 if nl != -1 else 0)
            if kind is not None:
                return kind
            if nl == -1:
                return None
            end = nl
        return None

    def _heading(self, line_start: int) -> Context | None:
        """BOILERPLATE/REASON/BODY when the line is a heading or `Label:` line, else None."""
        if line_start in self._headings:
            return self._headings[line_start]
        stop = self.text.find("\n", line_start, line_start + 200)
        line = self.text[line_start : stop if stop != -1 else line_start + 200]
        kind = _classify_heading(line)
        self._headings[line_start] = kind
        return kind


def _classify_heading(line: str) -> Context | None:
    m = _LABEL.match(line)
    if m:
        label = m.group(1)
    elif _is_caps_heading(line):
        label = line
    else:
        return None
    low = label.lower()
    if _BOILERPLATE_HEAD_RE.search(low):
        return Context.BOILERPLATE
    if _REASON_HEAD_RE.search(low):
        return Context.REASON
    return Context.BODY


def _is_caps_heading(line: str) -> bool:
    stripped = line.strip()
    # Cheapest tests first: most lines fail at their first lower-case letter.
    return (
        3 <= len(stripped) <= 80
        and not stripped.endswith(".")
        and not any(ch.islower() for ch in stripped)
        and sum(ch.isalpha() for ch in stripped) >= 3
    )
