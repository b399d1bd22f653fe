"""Normal forms: how a value printed in a document is compared with a fact.

A date compares as a calendar date whatever its format, an amount to the cent, a phone number
by its ten digits (a leading country code 1 dropped), a code or an identifier by its letters
and digits alone ("CO 197" = "CO-197", "M23205" = "M23.205"), a citation by its document, page
and section, a URL by its host and path.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

MonthDay = tuple[int, int]
#: (document, page, section): `[SBC p.4, "Services You May Need"]` → ("SBC", 4, "services…").
CitationKey = tuple[str, int, str]

MONTHS: Final[dict[str, int]] = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_CENT: Final = Decimal("0.01")
_NOT_ALNUM: Final = re.compile(r"[^0-9A-Z]")
_NOT_DIGIT: Final = re.compile(r"\D")
_URL_PREFIX: Final = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|mailto:)?(?:www\.)?")
_CITATION: Final = re.compile(
    r"\[\s*(?P<doc>SBC|EOC)\b[\s,;:]*(?:p(?:p|age|g)?\.?\s*(?P<page>\d{1,5}))?(?P<rest>[^\]]*)\]",
    re.IGNORECASE,
)
_QUOTES: Final = str.maketrans("", "", "\"'\u201c\u201d\u2018\u2019")


def make_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (February 30th)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def full_year(digits: str) -> int:
    """A printed year as a full year: two digits pivot at 70 ("24" → 2024, "85" → 1985)."""
    year = int(digits)
    if len(digits) > 2:
        return year
    return 2000 + year if year < 70 else 1900 + year


def month_number(name: str) -> int:
    """`"January"`, `"JAN"`, `"Sept"` → the month's number."""
    return MONTHS[name[:3].lower()]


def iso_date(text: str | None) -> date | None:
    """An ISO `YYYY-MM-DD` string as a date; None when absent or not a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def money(value: Decimal) -> Decimal:
    """An amount to the cent, sign dropped (a refund of $5 prints as "-$5.00" or "($5.00)")."""
    return abs(value).quantize(_CENT)


def parse_money(text: str) -> Decimal | None:
    """`"1,234.5"` → `Decimal("1234.50")`; None when the digits do not make a number."""
    try:
        return money(Decimal(text.replace(",", "")))
    except InvalidOperation:
        return None


def phone_key(text: str) -> str:
    """A phone number's digits without a leading country code 1."""
    digits = _NOT_DIGIT.sub("", text)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def code_key(text: str) -> str:
    """A code or identifier's letters and digits, upper-cased: `"co-197"` → `"CO197"`."""
    return _NOT_ALNUM.sub("", text.upper())


def url_key(text: str) -> str:
    """A URL or e-mail address without scheme, `www.` or trailing slash, lower-cased."""
    return _URL_PREFIX.sub("", text.strip().lower()).rstrip("/")


def citation_key(text: str) -> CitationKey | None:
    """The document, page and section a citation names; None when it names no page."""
    m = _CITATION.fullmatch(text.strip())
    if m is None or m.group("page") is None:
        return None
    section = " ".join(m.group("rest").translate(_QUOTES).split()).strip(" ,;:-\u2013\u2014")
    return m.group("doc").upper(), int(m.group("page")), section.casefold()
