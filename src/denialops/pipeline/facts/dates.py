"""Finding and parsing dates: `January 5, 2024`, `Jan. 5, 2024`, `01/05/2024`, `1/5/24`,
`2024-01-05`, `5 Jan 2024`, `05-Dec-2024`, `12.05.2024` (numeric dates in US order).

Dates are found from cheap anchors: the separators of numeric dates ("/", "-", ".") and the
four-digit year of a date written with its month's name. Each anchor is then read precisely
in a window of a few characters around it. What a date *means* is decided in `deadlines`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from denialops.pipeline.facts.document import Doc, anchored

_MONTHS: Final = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MON: Final = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD: Final = r"(?:st|nd|rd|th)?"

#: The precise pattern, for short strings (a cell, a value): any supported format.
DATE_RE: Final = re.compile(
    rf"(?<![\w])(?P<m1>{_MON})\.?[ \t]*\n?[ \t]*(?P<d1>\d{{1,2}}){_ORD},?[ \t]*\n?[ \t]*"
    r"(?P<y1>\d{4})(?!\d)"
    rf"|(?<![\w.,$])(?P<d2>\d{{1,2}}){_ORD}[ \t]+(?:of[ \t]+)?(?P<m2>{_MON})\.?,?[ \t]+"
    r"(?P<y2>\d{4})(?!\d)"
    rf"|(?<![\w.,$/-])(?P<d3>\d{{1,2}})-(?P<m3>{_MON})-(?P<y3>\d{{4}}|\d{{2}})(?![\w])"
    r"|(?<![\w.,$/-])(?P<y4>(?:19|20)\d{2})(?P<s4>[-/])(?P<mo4>\d{1,2})(?P=s4)(?P<d4>\d{1,2})"
    r"(?![\w/]|[.-]\d)"
    r"|(?<![\w.,$/])(?P<mo5>\d{1,2})(?P<s5>[/-])(?P<d5>\d{1,2})(?P=s5)(?P<y5>\d{4}|\d{2})"
    r"(?![\w/]|[.-]\d)"
    r"|(?<![\w.,$/])(?P<mo6>\d{1,2})\.(?P<d6>\d{1,2})\.(?P<y6>\d{4})(?![\w/]|[.-]\d)",
    re.IGNORECASE,
)

# Anchors for the full-text scan; each starts with a literal or a rare character.
_SLASH: Final = re.compile(r"/\d{1,2}/(?:\d{4}|\d{2})(?![\w/]|[.-]\d)")
_DASH: Final = re.compile(r"-(?:\d{1,2}|[A-Za-z]{3,9}\.?)-(?:\d{4}|\d{1,2})(?![\w/]|[.-]\d)")
_DOT: Final = re.compile(r"\.\d{1,2}\.\d{4}(?!\d)")
_YEAR: Final = re.compile(r"(?:19|20)\d\d(?!\d)")
_LEAD_DIGITS: Final = re.compile(r"\d{1,4}$")
_NAMED_BEFORE_YEAR: Final = re.compile(
    rf"(?:(?<![\w])(?P<m1>{_MON})\.?[ \t]*\n?[ \t]*(?P<d1>\d{{1,2}}){_ORD},?[ \t]*\n?[ \t]*"
    rf"|(?<![\w.,$])(?P<d2>\d{{1,2}}){_ORD}[ \t]+(?:of[ \t]+)?(?P<m2>{_MON})\.?,?[ \t]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    """One date found in the text, with its span."""

    value: date
    start: int
    end: int


def parse_date(m: re.Match[str]) -> date | None:
    """The calendar date a `DATE_RE` match denotes (US order for numeric dates), else None."""
    g = m.groupdict()
    try:
        if g["m1"]:
            return _make(g["y1"], _month(g["m1"]), g["d1"])
        if g["m2"]:
            return _make(g["y2"], _month(g["m2"]), g["d2"])
        if g["m3"]:
            return _make(g["y3"], _month(g["m3"]), g["d3"])
        if g["y4"]:
            return _make(g["y4"], int(g["mo4"]), g["d4"])
        if g["mo5"]:
            return _make(g["y5"], int(g["mo5"]), g["d5"])
        return _make(g["y6"], int(g["mo6"]), g["d6"])
    except (ValueError, KeyError):
        return None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _make(year: str, month: int, day: str) -> date | None:
    y = int(year)
    if len(year) == 2:
        y += 2000 if y < 70 else 1900  # two-digit years: 24 → 2024, 85 → 1985
    if not 1900 <= y <= 2099:
        return None
    return date(y, month, int(day))


def find_dates(doc: Doc) -> list[DateMatch]:
    """Every valid date in the letter, in order, each once."""
    text = doc.text
    found: dict[int, DateMatch] = {}
    for anchor in (_SLASH, _DASH, _DOT):
        for m in anchored(anchor, text):
            lead = _LEAD_DIGITS.search(text, max(0, m.start() - 4), m.start())
            if lead is not None:
                _add(found, DATE_RE.match(text, lead.start(), m.end()))
    for m in anchored(_YEAR, text):
        if m.start() > 0 and text[m.start() - 1] in "/-.":
            continue  # the year of a numeric date, found above
        named = _NAMED_BEFORE_YEAR.search(text, max(0, m.start() - 24), m.start())
        if named is not None:
            _add(found, DATE_RE.match(text, named.start(), m.end()))
    return [found[start] for start in sorted(found)]


def _add(found: dict[int, DateMatch], m: re.Match[str] | None) -> None:
    if m is None or m.start() in found:
        return
    value = parse_date(m)
    if value is not None:
        found[m.start()] = DateMatch(value, m.start(), m.end())
