"""Whether there is anything to appeal: a property of the case, not only of its codes.

An appeal asks the payer to change a decision. There is none to change when:

- a code says so: the claim must be fixed and sent as a new claim (MA130, N211);
- the codes are patient cost sharing only (deductible, coinsurance, copay): the claim was paid
  under the plan's terms;
- the route is `duplicate_claim`: the original claim is being (or was) processed, so the next
  step is its status, or a corrected claim when the service really was given twice;
- the letter says so ("this decision cannot be appealed", "no appeal rights");
- the letter says no decision was made, and nowhere that anything was denied: the claim was
  returned or could not be processed ("this is not a denial", "we could not process it");
- the route is `records_requested` and the letter says the payer is still waiting ("pending",
  "before we can decide"), again without saying anything was denied, and no denial CARC shows
  the claim was adjudicated (a pended claim carries none).

Only the letter's own statements count: instruction-like text is ignored, and so is a
conditional or generic sentence ("if the records are not received, the claim will be
returned"). Pure, no I/O; linear in the size of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from denialops.domain.facts import RouteName
from denialops.domain.routing.context import Context, TextReader

#: The letter says outright that there is no appeal.
_NO_APPEAL_RE: Final = re.compile(
    r"\b(?:(?:cannot|can\s*not|may\s+not)\s+be\s+appealed|not\s+appealable)\b"
    r"(?!\s+(?:to|until|unless|before|after|at|with|through)\b)|\bno\s+appeal\s+rights\b"
)
#: A decision "on medical necessity" is one topic; "about whether it is covered" is the case.
_NOT_TOPIC: Final = r"(?!\s+(?:on|about|regarding|as\s+to|of)\s+(?!whether))"
#: The letter says the payer made no decision: the claim was returned or not processed.
_NO_DECISION_RE: Final = re.compile(
    r"\bnothing\s+(?:has\s+been|was|is|have\s+been)\s+(?:yet\s+)?denied\b|"
    r"\b(?:has|have|was|were)\s+not\s+(?:yet\s+)?been\s+(?:denied|decided)\b(?=\s*(?:yet\b|[.;,]))|"
    rf"\bthis\s+is\s+not\s+a\s+(?:denial|decision)\b{_NOT_TOPIC}|"
    rf"\bno\s+decision\s+(?:has\s+been|was|is|have\s+been)\s+(?:yet\s+)?made\b{_NOT_TOPIC}|"
    rf"\b(?:have|has)\s+not\s+(?:yet\s+)?(?:made\s+a\s+decision|decided)\b{_NOT_TOPIC}|"
    r"\b(?:(?:could|can)\s*not|unable\s+to)\s+(?:be\s+processed\b|(?:finish\s+|complete\s+)?"
    r"process(?:ing)?\b(?!\s+(?:your\s+|an?\s+|the\s+|this\s+)?(?:appeal|request|complaint|"
    r"grievance)))|"
    r"\bunprocessable\b|\b(?:not\s+been|was\s+not|were\s+not)\s+processed\b|"
    r"\b(?:is|was|has\s+been|are|were|have\s+been)\s+(?:being\s+)?returned\s+(?:to\s+(?:you\b|"
    r"(?:the|your)\s+(?:provider|submitter|sender|doctor|office|billing))|unprocessed|without\s+"
    r"processing)|\breturned\s+to\s+(?:the\s+)?provider\b"
)
#: The payer is still waiting for something before it decides.
_PENDING_RE: Final = re.compile(
    r"\bbefore\s+we\s+(?:can\s+)?(?:decide|make\s+(?:a|our|any)\s+decision|complete\s+(?:our\s+|"
    r"the\s+)?review|finish\s+(?:our\s+|the\s+)?review)|"
    r"\b(?:is|are|remains?)\s+(?:on\s+hold|pending)\b|\bpending\s+(?:receipt|review|the\s+|"
    r"your\s+|additional|medical|further)|\b(?:until|once)\s+we\s+(?:receive|get|have)\b"
)
#: The letter says something was denied.
_DENIED_RE: Final = re.compile(r"\b(?:denied|denial)\b")
#: A denial word in this clause is negated ("nothing has been denied", "not denied").
_DENIAL_NEGATED_RE: Final = re.compile(r"\b(?:nothing|not|never|no)\b[^,;:.]{0,24}$|n't\s+\w*\s*$")
#: A conditional or generic sentence states no fact about this claim.
_CONDITIONAL_RE: Final = re.compile(r"\b(?:if|unless|when|whether\s+or\s+not|some|certain)\b")
_LOOKBACK: Final = 40
_MAX_CUES: Final = 200
#: Each pattern's every alternative contains one of its anchors: the patterns run only in
#: small windows around the anchors, found by substring search (a 10 MB text stays fast).
_ANCHORS: Final[dict[re.Pattern[str], tuple[str, ...]]] = {
    _NO_APPEAL_RE: ("appeal",),
    _NO_DECISION_RE: ("deni", "decid", "decision", "process", "returned"),
    _PENDING_RE: ("before we", "on hold", "pending", "until we", "once we"),
    _DENIED_RE: ("deni",),
}
_REACH: Final = 80
_MAX_ANCHOR_HITS: Final = 2_000


def no_appeal_notes(
    winner: RouteName,
    reader: TextReader,
    reason: str | None,
    *,
    cost_sharing_only: bool,
    adjudicated: bool,
) -> list[str]:
    """Why there is nothing to appeal, beyond what the codes already noted (empty and no code
    saying otherwise: the case is appealable)."""
    notes: list[str] = []
    if cost_sharing_only:
        notes.append("the codes show patient cost sharing only: this is not a denial to appeal")
    if winner is RouteName.DUPLICATE_CLAIM:
        notes.append(
            "a duplicate is not appealed: check the status of the original claim, or send a "
            "corrected claim if the service really was given twice"
        )
    readers = [reader]
    if reason and reason not in reader.text:
        readers.append(TextReader.of(reason))
    if any(_states(r, _NO_APPEAL_RE) for r in readers):
        notes.append("the letter says this decision cannot be appealed")
    elif not any(_says_denied(r) for r in readers):
        if any(_states(r, _NO_DECISION_RE) for r in readers):
            notes.append(
                "the letter says no decision has been made (nothing denied yet, or the claim "
                "returned unprocessed): do what it asks for; there is nothing to appeal"
            )
        elif (
            winner is RouteName.RECORDS_REQUESTED
            and not adjudicated
            and any(_states(r, _PENDING_RE) for r in readers)
        ):
            notes.append(
                "the payer is waiting for records before it decides: nothing has been denied "
                "yet, so send what it asks for"
            )
    return notes


def _states(reader: TextReader, pattern: re.Pattern[str]) -> bool:
    """Whether the text states the pattern in a sentence that is about this claim."""
    for i, m in enumerate(_matches(pattern, reader.low)):
        if i >= _MAX_CUES:
            return False
        if _is_statement(reader, m.start(), m.end()):
            return True
    return False


def _says_denied(reader: TextReader) -> bool:
    """Whether the text says, outside boilerplate, that something was denied."""
    for i, m in enumerate(_matches(_DENIED_RE, reader.low)):
        if i >= _MAX_CUES:
            return True  # a text this full of denials is not a pending request
        before = reader.low[max(0, m.start() - _LOOKBACK) : m.start()]
        if _DENIAL_NEGATED_RE.search(before):
            continue
        context = reader.context(m.start(), m.end())
        if context not in (Context.BOILERPLATE, Context.IGNORED) and _is_statement(
            reader, m.start(), m.end()
        ):
            return True
    return False


def _is_statement(reader: TextReader, start: int, end: int) -> bool:
    if reader.context(start, end) is Context.IGNORED:
        return False
    s0, s1 = reader.sentence(start, end)
    return _CONDITIONAL_RE.search(reader.low, s0, s1) is None


def _matches(pattern: re.Pattern[str], low: str) -> Iterator[re.Match[str]]:
    """The pattern's matches, searched only around its anchors."""
    hits: list[int] = []
    for anchor in _ANCHORS[pattern]:
        i = low.find(anchor)
        while i != -1 and len(hits) < _MAX_ANCHOR_HITS:
            hits.append(i)
            i = low.find(anchor, i + 1)
    hits.sort()
    lo = hi = -1
    for pos in hits:
        start, end = max(0, pos - _REACH), min(len(low), pos + _REACH)
        if start <= hi:
            hi = max(hi, end)
            continue
        if hi > lo:
            yield from pattern.finditer(low, lo, hi)
        lo, hi = start, end
    if hi > lo:
        yield from pattern.finditer(low, lo, hi)
