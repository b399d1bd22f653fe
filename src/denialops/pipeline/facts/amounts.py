"""Money: billed, allowed, paid and the patient's share.

Every amount in the letter ("$1,234.56", "$0", "1,480.00") is found from its "$" or its
cents, and named by the words just before it in its cell, looked up in a table of label
phrases ("Amount billed", "Plan paid", "You owe" ...). Remittance tables are read from their
TOTAL line (or their only service line). A total beats a line amount; when a claim has
several lines and no total, the per-line amounts are not the claim's and the field stays
unknown rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final

from denialops.pipeline.facts.document import Doc, anchored
from denialops.pipeline.facts.labels import cell_start, normalise_label
from denialops.pipeline.facts.tables import Table
from denialops.pipeline.facts.values import Found, best, phrases

FIELDS: Final = ("billed_amount", "allowed_amount", "paid_amount", "patient_responsibility")

# Anchors: a dollar sign, or cents. The whole amount is then read around the anchor.
_DOLLAR: Final = re.compile(r"\$[ \t]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?(?![\d,])")
_CENTS: Final = re.compile(r"\.\d\d(?!\d)")
_DIGITS_BEFORE: Final = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)$")
_PAIR_NEXT: Final = re.compile(
    r"[ \t]*/[ \t]*\$?[ \t]?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?)(?![\d,])"
)
# "You may owe Little Havana Medical Group the full amount of $296.00."
_OWE_RE: Final = re.compile(
    r"(?i)\byou[ \t]+(?:may[ \t]+)?owe\b[^.$\n]{0,80}?(?:amount|balance|total)[ \t]+of[ \t]+\$?$"
)

_B, _A, _P, _R = FIELDS
_PHRASES: Final[dict[str, str]] = {
    **dict.fromkeys(
        phrases(
            "billed|billed amount|amount billed|billed charges|billed charge|charges|charge|"
            "charge amount|amount charged|charged amount|submitted charges|submitted amount|"
            "amount submitted|provider charges|provider charge|total billed|total billed amount|"
            "total charges|total charge|total billed charges"
        ),
        _B,
    ),
    **dict.fromkeys(
        phrases(
            "allowed|allowed amount|amount allowed|approved amount|amount approved|"
            "eligible amount|amount eligible|allowable|allowable amount|plan allowance|allowance|"
            "total allowed|total allowed amount"
        ),
        _A,
    ),
    **dict.fromkeys(
        phrases(
            "paid|amount paid|paid amount|plan paid|plan payment|payment|payment amount|"
            "insurance paid|insurance payment|benefit paid|benefit payment|insurer paid|we paid|"
            "amount we paid|amount the plan paid|paid by this plan|paid by the plan|"
            "paid by your plan|paid by plan|total paid|total payment|total plan payment"
        ),
        _P,
    ),
    **dict.fromkeys(
        phrases(
            "patient responsibility|patient resp|pt resp|member responsibility|"
            "your responsibility|you owe|amount you owe|you may owe|amount you may owe|"
            "what you owe|what you may owe|amount you owe the provider|what you owe the provider|"
            "your share|your cost|your portion|patient owes|member owes|patient balance|"
            "patient share|patient portion|patient amount|amount due from patient|"
            "amount due from you|total you owe|total patient responsibility"
        ),
        _R,
    ),
}


@dataclass(slots=True)
class AmountFacts:
    """Best candidate per amount field."""

    fields: dict[str, Found[Decimal]] = field(default_factory=dict)


def to_decimal(text: str) -> Decimal | None:
    """`"$1,234.50"` → `Decimal("1234.50")`; None when it is not a number."""
    cleaned = text.replace("$", "").replace(",", "").replace(" ", "").replace("\t", "")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def label_kind(label: str) -> str | None:
    """Which amount field a label names ("Amount billed" → billed_amount), if any."""
    words = normalise_label(label).split()
    for i in range(len(words)):
        kind = _PHRASES.get(" ".join(words[i:]))
        if kind is not None:
            return kind
    return None


def extract_amounts(doc: Doc, tables: list[Table]) -> AmountFacts:
    """Pick each amount field from labelled values, table totals and "you may owe" prose."""
    candidates: dict[str, list[Found[Decimal]]] = {name: [] for name in FIELDS}
    for start, end in _amount_spans(doc):
        _labelled(doc, start, end, candidates)
    for table in tables:
        for name, (value_text, start, end, is_total) in table.amounts().items():
            value = to_decimal(value_text)
            if value is not None:
                candidates[name].append(Found(value, start, end, 0 if is_total else 3))
    facts = AmountFacts()
    for name, found in candidates.items():
        chosen = best(found)
        if chosen is not None:
            facts.fields[name] = chosen
    return facts


def _amount_spans(doc: Doc) -> list[tuple[int, int]]:
    """Every money amount in the letter, in order: "$12.00", "$1,480", "1,480.00"."""
    text = doc.text
    spans = [(m.start(), m.end()) for m in anchored(_DOLLAR, text)]
    dollars = {end for _, end in spans}
    for m in anchored(_CENTS, text):
        if m.end() in dollars:
            continue
        digits = _DIGITS_BEFORE.search(text, max(0, m.start() - 16), m.start())
        if digits is None:
            continue
        start = digits.start()
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".,/$-"):
            continue  # part of an ID, a date or a version number, not money
        spans.append((start, m.end()))
    spans.sort()
    return spans


def _label_before(doc: Doc, pos: int) -> str:
    """The cell before an amount, separators dropped: "Amount billed:    $5" → "Amount billed"."""
    floor = doc.line_start(pos, 70)
    segment = doc.text[floor:pos].rstrip(" \t:=-")
    if segment[-3:].upper() == "USD":
        segment = segment[:-3].rstrip(" \t:=-")
    end = floor + len(segment)
    return doc.text[cell_start(doc, end, 70) : end]


def _labelled(doc: Doc, start: int, end: int, out: dict[str, list[Found[Decimal]]]) -> None:
    text = doc.text
    value = to_decimal(text[start:end])
    if value is None:
        return
    raw = _label_before(doc, start)
    pair = _PAIR_NEXT.match(text, end) if "/" in raw else None
    if pair is not None:  # "Allowed / paid: $0.00 / $0.00"
        first, _, second = raw.rpartition("/")
        kinds = (label_kind(first), label_kind(second))
        if kinds[0] is not None and kinds[1] is not None:
            out[kinds[0]].append(Found(value, start, end, 2))
            second_value = to_decimal(pair.group(1))
            if second_value is not None:
                out[kinds[1]].append(Found(second_value, pair.start(1), pair.end(1), 2))
        return
    kind = label_kind(raw) if raw else None
    if kind is not None:
        rank = 1 if "total" in normalise_label(raw).split() else 2
        out[kind].append(Found(value, start, end, rank))
    elif _OWE_RE.search(text, max(0, start - 120), start):
        out[_R].append(Found(value, start, end, 4))
