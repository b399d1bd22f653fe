"""Identifiers: member ID, group number, claim number.

Each is read after its label: a "label: value" cell ("Member ID Number: A12345" → "A12345"),
a label printed over its value in a stacked row, or a label followed by its value without a
colon ("Claim number OZ-24-330-02281", "ICN 2224219004417"). A value must hold a digit and
must not be a date or a phone number, so a label's own words and dates next to labels are
never taken. A reference or authorization number is not a claim number unless its label
says claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from denialops.pipeline.facts.dates import DATE_RE
from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, anchored
from denialops.pipeline.facts.labels import Labelled, lookup
from denialops.pipeline.facts.tables import StackedValue
from denialops.pipeline.facts.values import Found

_VALUE: Final = re.compile(r"[A-Za-z0-9*][A-Za-z0-9*/-]{2,29}(?![A-Za-z0-9*@])")
_PHONE_LIKE: Final = re.compile(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}|1-\d{3}-\d{4}")

# Without a colon: the label's words, then the value on the same line.
_NUMBER_WORDS: Final = r"(?:id(?:entification)?|identifier|#|number|num\.?|no\.?)"
_INLINE: Final = {
    "member_id": (
        tuple(re.compile(w) for w in ("member", "subscriber", "enrollee", "participant")),
        re.compile(
            rf"(?i:(?:member|subscriber|enrollee|participant)[ \t]+{_NUMBER_WORDS}"
            rf"(?:[ \t]*{_NUMBER_WORDS})*)[ \t]*(?:(?i:is)[ \t]+)?[#.=-]?[ \t]*"
        ),
    ),
    "claim_number": (
        tuple(re.compile(w) for w in ("claim", "icn", "dcn", "tcn")),
        re.compile(
            rf"(?i:claim(?:[ \t]+{_NUMBER_WORDS})*|icn|dcn|tcn)"
            r"[ \t]*(?:(?i:is)[ \t]+)?[#.=-]?[ \t]*"
        ),
    ),
}


@dataclass(slots=True)
class IdentifierFacts:
    """Best candidate per identifier."""

    member_id: Found[str] | None = None
    group_number: Found[str] | None = None
    claim_number: Found[str] | None = None


def valid_identifier(value: str, min_digits: int = 1) -> bool:
    """Holds enough digits and is neither a date nor a phone number."""
    if sum(c.isdigit() for c in value) < min_digits:
        return False
    return not (DATE_RE.fullmatch(value) or _PHONE_LIKE.fullmatch(value))


def _read_value(doc: Doc, pos: int, end: int) -> tuple[str, int] | None:
    m = _VALUE.match(doc.text, pos, end)
    if m is None:
        return None
    value = m.group().rstrip("-/.")
    return value, m.start()


def extract_identifiers(
    doc: Doc, labels: dict[str, list[Labelled]], stacked: list[StackedValue]
) -> IdentifierFacts:
    """Member ID, group number and claim number from their labels (cells, stacked, inline)."""
    facts = IdentifierFacts()
    for name in ("member_id", "group_number", "claim_number"):
        best_found: Found[str] | None = None
        for item in labels.get(name, ()):
            read = _read_value(doc, item.value_start, item.value_end)
            # A bare "Claim:" label needs a value that is mostly digits.
            min_digits = 4 if name == "claim_number" and item.rank > 0 else 1
            if read is None or not valid_identifier(read[0], min_digits):
                continue
            found = Found(read[0], read[1], read[1] + len(read[0]), item.rank)
            if best_found is None or found.rank < best_found.rank:
                best_found = found
        setattr(facts, name, best_found)
    for cell in stacked:
        hit = lookup(cell.label)
        if hit is None or hit[0] not in ("member_id", "group_number", "claim_number"):
            continue
        value = doc.text[cell.start : cell.end].strip()
        current = getattr(facts, hit[0])
        if valid_identifier(value) and (current is None or current.rank > 0):
            setattr(facts, hit[0], Found(value, cell.start, cell.start + len(value), 0))
    for name, (anchors, label_re) in _INLINE.items():
        current = getattr(facts, name)
        if current is None or current.rank > 0:
            inline = _inline(doc, anchors, label_re, name)
            if inline is not None and (current is None or inline.rank < current.rank):
                setattr(facts, name, inline)
    return facts


def _inline(
    doc: Doc, anchors: tuple[re.Pattern[str], ...], label_re: re.Pattern[str], name: str
) -> Found[str] | None:
    """The first "label value" pair without a colon, e.g. "Member ID LSH55018823"."""
    chosen: Found[str] | None = None
    for anchor in anchors:
        for hit in anchored(anchor, doc.lower, limit=FIRST_CANDIDATES):
            if hit.start() > 0 and doc.text[hit.start() - 1].isalnum():
                continue
            label = label_re.match(doc.text, hit.start())
            if label is None:
                continue
            read = _read_value(doc, label.end(), doc.line_end(label.end(), 60))
            bare_claim = name == "claim_number" and label.group().strip().lower() == "claim"
            if read is None or not valid_identifier(read[0], 4 if bare_claim else 1):
                continue
            found = Found(read[0], read[1], read[1] + len(read[0]), 1)
            if chosen is None or found.start < chosen.start:
                chosen = found
            break
    return chosen
