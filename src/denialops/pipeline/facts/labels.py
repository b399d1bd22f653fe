"""Labelled fields: "Member ID: W123", "Date of service:   02/28/2024", "Claim #: 100200300".

One pass over the letter's colons finds every "label: value" cell. The words before a colon
(back to the start of the line or of its column) are normalised and looked up in a fixed
table of label phrases; the value runs to the end of the cell (end of line, a tab, a bar or
two spaces). A table lookup instead of a pattern per field keeps the pass cheap, and a label
word can never become a value ("Member ID Number: A12345" reads "A12345").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from denialops.pipeline.facts.document import Doc, anchored
from denialops.pipeline.facts.values import words

_COLON: Final = re.compile(":")
_PARENTHETICAL: Final = re.compile(r"\([^)]{0,30}\)")
_NORM_DROP: Final = re.compile(r"[^a-z0-9#&/]+")
_CELL_BREAK: Final = re.compile(r"[ \t]{2,}|\t|\||[ \t][·•][ \t]")

_M, _C, _G = "member_id", "claim_number", "group_number"
_MEMBER_WORDS: Final = words(
    "member subscriber enrollee participant beneficiary insured cardholder medicaid medicare "
    "recipient policyholder"
)  # fmt: skip
_ID_WORDS = ("id", "#", "number", "no", "num", "identification number", "id number", "id #")


def _member_labels() -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for who in _MEMBER_WORDS:
        for id_word in _ID_WORDS:
            table[f"{who} {id_word}"] = (_M, 0)
    table |= {
        "mbi": (_M, 0),
        "hicn": (_M, 0),
        "medicare beneficiary identifier": (_M, 0),
        "identification number": (_M, 1),
        "id number": (_M, 1),
        "id #": (_M, 1),
        "id": (_M, 2),
        "policy id": (_M, 1),
        "policy number": (_M, 1),
        "policy #": (_M, 1),
        "policy no": (_M, 1),
        "certificate number": (_M, 1),
        "patient id": (_M, 3),
    }
    return table


#: Normalised label phrase → (field kind, rank). Lower rank is more trusted.
LABELS: Final[dict[str, tuple[str, int]]] = _member_labels() | {
    # claim numbers (a reference number is a claim number only when its label says claim)
    "claim": (_C, 1),
    "claim number": (_C, 0),
    "claim #": (_C, 0),
    "claim no": (_C, 0),
    "claim num": (_C, 0),
    "claim id": (_C, 0),
    "claim identifier": (_C, 0),
    "claim reference": (_C, 0),
    "claim reference number": (_C, 0),
    "claim ref": (_C, 0),
    "claim ref #": (_C, 0),
    "claim / authorization reference": (_C, 0),
    "claim / reference number": (_C, 0),
    "claim control number": (_C, 0),
    "claim control #": (_C, 0),
    "claim ctl #": (_C, 0),
    "payer claim ctl #": (_C, 0),
    "payer claim control number": (_C, 0),
    "internal control number": (_C, 0),
    "icn": (_C, 0),
    "dcn": (_C, 0),
    "tcn": (_C, 0),
    # group numbers
    "group": (_G, 0),
    "group number": (_G, 0),
    "group #": (_G, 0),
    "group no": (_G, 0),
    "group id": (_G, 0),
    "grp #": (_G, 0),
    "group policy number": (_G, 0),
    # dates
    "date of service": ("dos", 0),
    "dates of service": ("dos", 0),
    "date of services": ("dos", 0),
    "service date": ("dos", 0),
    "service dates": ("dos", 0),
    "svc date": ("dos", 0),
    "dos": ("dos", 0),
    "from to": ("dos", 0),
    "date of visit": ("dos", 0),
    "visit date": ("dos", 0),
    "admission date": ("dos", 0),
    "date of admission": ("dos", 0),
    "date": ("notice", 1),
    "date of notice": ("notice", 0),
    "date of this notice": ("notice", 0),
    "notice date": ("notice", 0),
    "date of letter": ("notice", 0),
    "date of this letter": ("notice", 0),
    "letter date": ("notice", 0),
    "date of denial": ("notice", 0),
    "denial date": ("notice", 0),
    "determination date": ("notice", 0),
    "date of determination": ("notice", 0),
    "decision date": ("notice", 0),
    "statement date": ("notice", 0),
    "remit date": ("notice", 0),
    "remittance date": ("notice", 0),
    "ra date": ("notice", 0),
    "eob date": ("notice", 0),
    "issue date": ("notice", 0),
    "date issued": ("notice", 0),
    "payment date": ("notice", 0),
    "check date": ("notice", 0),
    "production date": ("notice", 0),
    "run date": ("notice", 0),
    "print date": ("notice", 0),
    "mail date": ("notice", 0),
    "date mailed": ("notice", 0),
    "date prepared": ("notice", 0),
    "processed": ("notice", 1),
    "date processed": ("notice", 1),
    "processed date": ("notice", 1),
    "appeal deadline": ("deadline", 0),
    "deadline": ("deadline", 0),
    "deadline to appeal": ("deadline", 0),
    "appeal by": ("deadline", 0),
    "respond by": ("deadline", 0),
    # parties
    "payer": ("payer", 0),
    "insurer": ("payer", 0),
    "insurance company": ("payer", 0),
    "insurance carrier": ("payer", 0),
    "health plan": ("payer", 0),
    "carrier": ("payer", 0),
    "plan": ("plan", 0),
    "plan name": ("plan", 0),
    "product": ("plan", 0),
    "benefit plan": ("plan", 0),
    "health plan name": ("plan", 0),
    "provider": ("provider", 0),
    "provider name": ("provider", 0),
    "rendering provider": ("provider", 0),
    "servicing provider": ("provider", 0),
    "performing provider": ("provider", 0),
    "treating provider": ("provider", 0),
    "treating physician": ("provider", 0),
    "attending physician": ("provider", 0),
    "service provider": ("provider", 0),
    "services from": ("provider", 0),
    "physician": ("provider", 0),
    "doctor": ("provider", 0),
    "facility": ("provider", 1),
    "facility name": ("provider", 1),
    "hospital": ("provider", 1),
    "supplier": ("provider", 1),
    "billing provider": ("provider", 1),
    "payee": ("provider", 2),
    "pay to": ("provider", 2),
    "ordering provider": ("provider", 2),
    "ordering physician": ("provider", 2),
    # the service
    "service": ("service", 0),
    "services": ("service", 0),
    "procedures": ("service", 0),
    "service description": ("service", 0),
    "description of service": ("service", 0),
    "service provided": ("service", 0),
    "service requested": ("service", 0),
    "services requested": ("service", 0),
    "requested service": ("service", 0),
    "service billed": ("service", 0),
    "description": ("service", 1),
    "procedure": ("service", 0),
    "procedure description": ("service", 0),
    "item": ("service", 0),
    "item / service": ("service", 0),
    "treatment": ("service", 0),
    "level of care requested": ("service", 0),
}


@dataclass(frozen=True, slots=True)
class Labelled:
    """A value printed after a known label: the value's span runs to the end of its cell."""

    kind: str
    rank: int
    label_start: int
    value_start: int
    value_end: int


def normalise_label(raw: str) -> str:
    """`"Claim No.:"` → `"claim no"`, `"HIC/Member ID"` → `"hic / member id"`."""
    text = _NORM_DROP.sub(" ", _PARENTHETICAL.sub(" ", raw.lower()))
    text = text.replace("#", " # ").replace("/", " / ")
    return " ".join(text.split())


def lookup(label: str) -> tuple[str, int] | None:
    """The (kind, rank) a label names: the whole phrase, else its longest known ending of
    two words or more ("HIC/Member ID" → member ID; "Payer ID" is not a member ID)."""
    words = normalise_label(label).split()
    found = LABELS.get(" ".join(words))
    for i in range(1, len(words) - 1):
        if found is not None:
            break
        found = LABELS.get(" ".join(words[i:]))
    return found


def cell_start(doc: Doc, pos: int, limit: int = 60) -> int:
    """Start of the table cell or line segment that ends at `pos`."""
    floor = doc.line_start(pos, limit)
    segment = doc.text[floor:pos]
    start = 0
    for cell_break in _CELL_BREAK.finditer(segment):
        start = cell_break.end()
    return floor + start


def cell_end(doc: Doc, pos: int, limit: int = 120) -> int:
    """End of the cell starting at `pos` (end of line, tab, bar or two spaces)."""
    end = doc.line_end(pos, limit)
    m = _CELL_BREAK.search(doc.text, pos, end)
    return m.start() if m is not None else end


def index_labels(doc: Doc) -> dict[str, list[Labelled]]:
    """Every known "label: value" cell in the letter, grouped by kind, in letter order."""
    found: dict[str, list[Labelled]] = {}
    text = doc.text
    for m in anchored(_COLON, text):
        colon = m.start()
        start = cell_start(doc, colon)
        raw = text[start:colon].strip(" \t-*•")
        if not raw or len(raw) > 45 or raw[-1:].isdigit():
            continue
        hit = lookup(raw)
        if hit is None:
            continue
        value_start = colon + 1
        while value_start < len(text) and text[value_start] in " \t":
            value_start += 1
        value_end = cell_end(doc, value_start)
        kind, rank = hit
        label_start = start + (len(text[start:colon]) - len(text[start:colon].lstrip(" \t-*•")))
        found.setdefault(kind, []).append(Labelled(kind, rank, label_start, value_start, value_end))
    return found
