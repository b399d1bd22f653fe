"""Judge a document: every value it states must be traceable to the ground truth."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from pydantic import BaseModel

from denialops.domain.grounding.ics import COMPACT_DATE, DATED, SKIPPED, IcsView
from denialops.domain.grounding.lexer import Form, Token, scan
from denialops.domain.grounding.truth import GroundTruth
from denialops.domain.grounding.values import make_date

Kind = Literal["code", "date", "amount", "phone", "citation", "placeholder"]
KINDS: Final[tuple[Kind, ...]] = ("code", "date", "amount", "phone", "citation", "placeholder")

#: Each token form's violation kind: identifiers count as codes, empty labels as placeholders.
_KIND_OF: Final[dict[Form, Kind]] = {
    "citation": "citation",
    "template": "placeholder",
    "label": "placeholder",
    "word": "placeholder",
    "date": "date",
    "month_day": "date",
    "date_end": "date",
    "phone": "phone",
    "amount": "amount",
    "carc": "code",
    "code": "code",
    "number": "code",
}


class Violation(BaseModel):
    """A value the document states that the facts do not: its kind, text, [start, end)
    offsets in the document and 1-based line."""

    kind: Kind
    value: str
    start: int
    end: int
    line: int


class GroundingReport(BaseModel):
    """One document's verdict: `ok` when nothing is ungrounded; `checked` counts the values
    of each kind that were looked at."""

    document: str
    ok: bool
    violations: list[Violation]
    checked: dict[str, int]


def check_text(name: str, text: str, truth: GroundTruth) -> GroundingReport:
    """Check one document. `.ics` files are read as a calendar shows them (see `ics`)."""
    tokens = _calendar_tokens(text, truth) if name.lower().endswith(".ics") else None
    checked: dict[str, int] = dict.fromkeys(KINDS, 0)
    violations: list[Violation] = []
    for token in tokens if tokens is not None else _tokens(text, truth, 0, len(text)):
        kind = _KIND_OF[token.form]
        checked[kind] += 1
        if not _grounded(token, truth):
            line = text.count("\n", 0, token.start) + 1  # violations are rare: count on demand
            violations.append(
                Violation(kind=kind, value=token.text, start=token.start, end=token.end, line=line)
            )
    return GroundingReport(document=name, ok=not violations, violations=violations, checked=checked)


def check_documents(docs: Mapping[str, str], truth: GroundTruth) -> list[GroundingReport]:
    """Check each named document."""
    return [check_text(name, text, truth) for name, text in docs.items()]


def _tokens(text: str, truth: GroundTruth, start: int, end: int) -> Iterator[Token]:
    """The values in `text[start:end]`; inside a URL that is not the payer's, its parts."""
    for token in scan(text, start, end):
        if token.form != "url":
            yield token
        elif not (isinstance(token.value, str) and truth.url_ok(token.value)):
            yield from scan(text, token.start, token.end, urls=False)


def _grounded(token: Token, truth: GroundTruth) -> bool:
    value = token.value
    match token.form:
        case "date":
            return isinstance(value, date) and value in truth.dates
        case "date_end":
            return isinstance(value, date) and truth.date_end_ok(value)
        case "month_day":
            return value in truth.month_days
        case "amount":
            return isinstance(value, Decimal) and value in truth.amounts
        case "phone":
            return value in truth.phones
        case "carc" | "code" | "number":
            return isinstance(value, str) and truth.code_ok(value)
        case "citation":
            return truth.citation_ok(token.text)
        case _:  # placeholders are never grounded
            return False


def _calendar_tokens(raw: str, truth: GroundTruth) -> Iterator[Token]:
    """The values of a calendar's statements, with offsets in the raw file."""
    view = IcsView(raw)
    for line in view.lines():
        if line.name in SKIPPED:
            continue
        found = (
            _compact_dates(view.text, line.start, line.end, exclusive=line.name == "DTEND")
            if line.name in DATED
            else _tokens(view.text, truth, line.start, line.end)
        )
        for token in found:
            start, end = view.original_span(token.start, token.end)
            yield Token(token.form, start, end, token.text, token.value)


def _compact_dates(text: str, start: int, end: int, *, exclusive: bool) -> Iterator[Token]:
    """`YYYYMMDD` dates; an `exclusive` end date may be the day after a grounded one."""
    form: Form = "date_end" if exclusive else "date"
    for m in COMPACT_DATE.finditer(text, start, end):
        day = make_date(int(m["y"]), int(m["m"]), int(m["d"]))
        yield Token(form, m.start(), m.end(), m.group(), day)
