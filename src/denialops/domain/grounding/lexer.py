"""Find every value a document states: one regular expression, one left-to-right pass.

The alternatives of `_SCAN` are tried in order at each position and a match consumes its
characters, so a date or a phone number owns its digits: they are never read again as an
identifier or a procedure code. Every alternative is bounded or anchored on a boundary, so a
scan stays linear in the text's length.

What counts as a value (anything else, such as "Step 2" or "3 copies", is prose):
- dates: ISO, `01/05/2024`, `1/5/24`, `January 5, 2024`, `Jan. 5 2024`, `5 Jan 2024`,
  `05-Dec-2024`, and a month and day without a year (`January 5`);
- amounts: `$1,234.56`, `$1234`, `USD 12.00`, `12.00 USD`, `1,234.56`;
- phone numbers: `(800) 555-1234`, `800-555-1234`, `1-800-555-1234`, `800.555.1234`,
  `+1 800 555 1234`;
- codes: CARCs with their group (`CO-197`, `PR 1`), RARCs (`N30`, `MA130`; one digit only
  after "remark"/"RARC"), ICD-10-CM, HCPCS and CPT category II/III tokens (all capitals, a
  digit where the code has one), and any run of five or more digits (CPT codes and IDs);
- citations `[SBC p.4 …]` / `[EOC p.12 …]`, URLs and e-mail addresses;
- placeholders: `None`, `null`, `undefined`, `nan`, template braces, and a fact's label line
  left empty ("Claim Number:").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from denialops.domain.grounding.values import (
    MonthDay,
    code_key,
    full_year,
    make_date,
    month_number,
    parse_money,
    phone_key,
    url_key,
)

Form = Literal[
    "url",
    "citation",
    "template",
    "label",
    "word",
    "date",
    "month_day",
    "date_end",  # a calendar's exclusive DTEND: made by the calendar reader, never by `scan`
    "phone",
    "amount",
    "carc",
    "code",
    "number",
]
Parsed = date | MonthDay | Decimal | str | None


@dataclass(frozen=True, slots=True)
class Token:
    """One value found in a text: its form, [start, end) span, text and parsed value (a date,
    a (month, day), an amount, a normalised code/phone/URL key; None when unparseable)."""

    form: Form
    start: int
    end: int
    text: str
    value: Parsed


def _month_spellings() -> frozenset[str]:
    names = ["January", "February", "March", "April", "May", "June", "July", "August"]
    names += ["September", "October", "November", "December", "Sept"]
    names += [name[:3] for name in names[:12]]
    return frozenset(form for name in names for form in (name, name.upper()))


_MONTHS: Final = _month_spellings()
_MON: Final = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_SP: Final = r"[ \t\u00a0]{1,3}"
_DAY: Final = r"[0-3]?\d"
_ORD: Final = r"(?:st|nd|rd|th)?"
#: Fact labels that must never be printed with nothing after them.
_LABELS: Final = (
    r"claim(?:[ \t]+(?:number|no\.?|#|id))?|claim#|(?:member|subscriber|patient)[ \t]+"
    r"(?:id|number|no\.?|#|name|account[ \t]+number)|group(?:[ \t]+(?:number|no\.?|#))?|"
    r"policy(?:[ \t]+(?:number|no\.?|#))?|plan(?:[ \t]+name)?|payer|insurer|"
    r"insurance(?:[ \t]+company)?|date(?:[ \t]+of[ \t]+(?:service|denial|letter|birth))?|"
    r"(?:service|denial|letter|due)[ \t]+date|(?:appeal[ \t]+)?deadline|appeal[ \t]+due[ \t]+date|"
    r"(?:phone|telephone|fax)(?:[ \t]+(?:number|no\.?))?|e-?mail|address|"
    r"provider(?:[ \t]+(?:name|npi))?|npi|(?:cpt|hcpcs|procedure|diagnosis|icd-?10|denial|"
    r"reason|remark)(?:[ \t]+codes?)?(?:\(s\))?|(?:amount[ \t]+)?(?:billed|allowed|paid)"
    r"(?:[ \t]+amount)?|amount(?:[ \t]+(?:due|owed))?|patient[ \t]+responsibility|"
    r"reference(?:[ \t]+number)?"
)
_BOLD: Final = r"(?:\*\*|__)?"
_URL_CHARS: Final = r"[^\s<>()\[\]{}\"'`|]"

_ALTERNATIVES: Final = (
    rf"(?P<url>(?<![A-Za-z0-9])(?:https?://|www\.){_URL_CHARS}*[^\s<>()\[\]{{}}\"'`|.,;:!?]"
    r"|(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})",
    r"(?P<cite>\[[ \t]*(?:SBC|EOC)\b[^\]\n]{0,300}\])",
    r"(?P<tmpl>\{\{|\}\}|\{%|%\})",
    rf"(?P<label>^[ \t]*(?:[-*+][ \t]+)?{_BOLD}(?i:{_LABELS}){_BOLD}[ \t]*:{_BOLD}[ \t]*\r?$)",
    rf"(?P<mdy>(?<![A-Za-z0-9])(?P<mdy_m>{_MON})(?![A-Za-z])\.?{_SP}(?P<mdy_d>{_DAY}){_ORD}\b"
    rf"(?:(?:,[ \t]{{0,3}}|{_SP})(?P<mdy_y>\d{{4}})\b)?)",
    rf"(?P<dmy>(?<![\w.$/-])(?P<dmy_d>{_DAY}){_ORD}(?:{_SP}(?:of{_SP})?|-)(?P<dmy_m>{_MON})"
    rf"(?![A-Za-z])\.?(?:,?{_SP}|-)(?P<dmy_y>\d{{4}}|\d{{2}})\b)",
    rf"(?P<iso>(?<![\w.$/-])(?P<iso_y>\d{{4}})(?P<iso_s>[-/])(?P<iso_m>[01]?\d)(?P=iso_s)"
    rf"(?P<iso_d>{_DAY})(?:T\d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)?"
    r"(?![\w]|[-/.]\d))",
    rf"(?P<us>(?<![\w.$/-])(?:(?P<us_m>[01]?\d)(?P<us_s>[-/])(?P<us_d>{_DAY})(?P=us_s)"
    rf"(?P<us_y>\d{{4}}|\d\d)|(?P<ud_m>[01]?\d)\.(?P<ud_d>{_DAY})\.(?P<ud_y>\d{{4}}))"
    r"(?![\w]|[-/.]\d))",
    r"(?P<phone>(?<![\d+$.,/-])(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t.-]?|\d{3}[ \t.-])\d{3}"
    r"[ \t.-]\d{4}(?![\w]|[-.]\d))",
    r"(?P<amt>(?:\$|(?<![A-Za-z0-9])US\$|(?<![A-Za-z0-9])USD[ \t]?)[ \t]?-?"
    r"(?P<amt_n>\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?(?![\d]|,\d{3}|\.\d))",
    r"(?P<amtb>(?<![\w$.,])(?P<amtb_n>\d{1,3}(?:,\d{3})+\.\d\d|\d+\.\d\d(?=[ \t]?USD\b))"
    r"(?:[ \t]?USD\b)?(?![\d]|,\d))",
    r"(?P<carc>(?<![\w-])(?:CO|PR|OA|PI|CR)(?:[ \t]?-[ \t]?|[ \t]|)[A-Z]?\d{1,3}"
    r"(?![\w]|[.,]\d))",
    r"(?P<rarc>(?<![A-Za-z0-9])(?i:remark|rarc)s?(?:[ \t]{1,3}(?i:codes?))?"
    r"[ \t]{0,3}[:#]?[ \t]{0,3}(?P<rarc_v>MA\d{1,3}|[MN]\d{1,3})(?![\w]|[.-]\d))",
    r"(?P<code>(?<![\w.-])(?P<code_v>MA\d{2,3}|[A-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}|[A-Z]\d\d[0-9A-Z]{0,4}"
    r"|\d{4}[FTU])(?:-[0-9A-Z]{2}(?![\w-]))?(?![\w-]|\.\w))",
    r"(?P<num>(?<!\d)(?<!\d[.,])\d{5,}(?!\d))",
    r"(?P<word>(?<![\w])(?:None(?![ \t]+[a-z])|null|undefined|NaN|nan)(?![\w]))",
)
#: Where a value may start: a line start, a word start, or (after a letter or digit) a
#: character that starts a number, an amount, a citation or a template. Checked first, it lets
#: the scan skip the inside of words cheaply; each alternative still checks its own boundary.
_START: Final = (
    r"(?:^|(?<![A-Za-z0-9])(?=[\w$\[{}%(+.-])|(?<=[A-Za-z])(?=[\d$\[{}%(+])|(?<=\d)(?=[$\[{}%(+]))"
)
#: Words a letter-led value begins with: a month's first three letters, a CARC group, "US"
#: of an amount, "MA" of a remark code, a placeholder word. Plain literals, so the regex engine
#: rejects a word that starts otherwise by looking at its first character.
_LEADS: Final = sorted(
    {name[:3] for name in _MONTHS}
    | {"CO", "PR", "OA", "PI", "CR", "US", "MA", "None", "NaN", "nan", "null", "undefined"}
)
#: Where some alternative can match, checked before `_START` and the alternatives because
#: most of a document is prose and trying every alternative at every word start was most of
#: a check's time. A necessary condition, never a sufficient one, so the tokens are exactly
#: those of the unguarded pattern (a property test holds it to that):
#: - a digit not after a digit (`_START` never lets a value start inside a number), or
#:   `$ [ { } % ( +`: numbers, dates, amounts, phones, citations, templates;
#: - a line ending in a colon (only a label starts at `^` without a digit or a word);
#: - a word start (every letter-led alternative looks behind for one) with a URL scheme, an
#:   e-mail address, "remark"/"RARC", a capital then a digit (a code) or one of `_LEADS`.
_GUARD: Final = (
    r"(?=[$\[{}%(+]|(?<!\d)\d|^(?=.*:[*_ \t]*\r?$)|(?<![A-Za-z0-9])(?:https?://|www\.|"
    r"[\w.+-]{1,64}@|(?i:remark|rarc)|[A-Z]\d|" + "|".join(_LEADS) + "))"
)
_SCAN: Final = re.compile(_GUARD + _START + "(?:" + "|".join(_ALTERNATIVES) + ")", re.MULTILINE)
_SCAN_NO_URL: Final = re.compile(
    _GUARD + _START + "(?:" + "|".join(_ALTERNATIVES[1:]) + ")", re.MULTILINE
)
_LABEL_INDEX: Final = next(i for i, a in enumerate(_ALTERNATIVES) if a.startswith("(?P<label>"))
#: The first character of every value but labels and e-mail addresses. `_GUARD` is a lookahead
#: of many branches, tried at every position of the text; this single class, tried first, is
#: one table lookup, and most positions (inside lower-case words, spaces) fail it. Labels (a
#: line start) and e-mail addresses (any word character) are the two values it would miss:
#: `scan` finds labels in a pass of their own and leaves texts with an "@" to `_SCAN`.
_FIRST: Final = r"(?=[$\[{}%(+0-9A-Zhnruw])"
_SCAN_FAST: Final = re.compile(
    _FIRST
    + _GUARD
    + _START
    + "(?:"
    + "|".join(a for i, a in enumerate(_ALTERNATIVES) if i != _LABEL_INDEX)
    + ")",
    re.MULTILINE,
)
_LABELS_ONLY: Final = re.compile(_ALTERNATIVES[_LABEL_INDEX], re.MULTILINE)
#: Where a label line ends: `_LABELS_ONLY` is tried only at the start of such a line, because
#: a pattern that opens with `^` is otherwise tried at every position.
_LABEL_END: Final = re.compile(r":[*_ \t]*\r?$", re.MULTILINE)


def scan(
    text: str, pos: int = 0, endpos: int | None = None, *, urls: bool = True
) -> Iterator[Token]:
    """Every value in `text[pos:endpos]`, in order; `urls=False` reads inside URLs too."""
    end = len(text) if endpos is None else endpos
    if not urls:
        matches: Iterator[re.Match[str]] = _SCAN_NO_URL.finditer(text, pos, end)
    elif text.find("@", pos, end) != -1:
        matches = _SCAN.finditer(text, pos, end)
    else:
        matches = _with_labels(_SCAN_FAST.finditer(text, pos, end), text, pos, end)
    for m in matches:
        name = m.lastgroup
        if name is not None:
            yield _BUILDERS[name](m)


def _with_labels(
    found: Iterator[re.Match[str]], text: str, pos: int, end: int
) -> Iterator[re.Match[str]]:
    """`found` with the label lines merged in, in order. A label is a whole line and `_SCAN`
    tries it before any alternative that could start a line with it, so what the fast scan
    found inside a label's line is dropped (values never span a line break)."""
    labels = _label_lines(text, pos, end)
    label = next(labels, None)
    if label is None:
        yield from found
        return
    for m in found:
        while label is not None and label.end() <= m.start():
            yield label
            label = next(labels, None)
        if label is None or m.start() < label.start():
            yield m
    if label is not None:
        yield label
        yield from labels


def _label_lines(text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
    for colon in _LABEL_END.finditer(text, pos, end):
        line = text.rfind("\n", 0, colon.start()) + 1
        if line >= pos:  # `^` matches only at a line start inside [pos, end)
            label = _LABELS_ONLY.match(text, line, end)
            if label is not None:
                yield label


def _token(m: re.Match[str], form: Form, value: Parsed, group: str | int = 0) -> Token:
    return Token(form, m.start(group), m.end(group), m.group(group), value)


def _date_token(m: re.Match[str], year: str, month: int, day: str) -> Token:
    return _token(m, "date", make_date(full_year(year), month, int(day)))


def _mdy(m: re.Match[str]) -> Token:
    month, day = month_number(m["mdy_m"]), int(m["mdy_d"])
    if m["mdy_y"] is not None:
        return _date_token(m, m["mdy_y"], month, m["mdy_d"])
    valid = make_date(2000, month, day) is not None  # 2000 was a leap year: Feb 29 is valid
    return _token(m, "month_day", (month, day)) if valid else _token(m, "date", None)


def _dmy(m: re.Match[str]) -> Token:
    return _date_token(m, m["dmy_y"], month_number(m["dmy_m"]), m["dmy_d"])


def _iso(m: re.Match[str]) -> Token:
    return _date_token(m, m["iso_y"], int(m["iso_m"]), m["iso_d"])


def _us(m: re.Match[str]) -> Token:
    if m["us_m"] is not None:
        return _date_token(m, m["us_y"], int(m["us_m"]), m["us_d"])
    return _date_token(m, m["ud_y"], int(m["ud_m"]), m["ud_d"])


def _label(m: re.Match[str]) -> Token:
    raw = m.group("label")
    start = m.start("label") + len(raw) - len(raw.lstrip())
    text = raw.strip()
    return Token("label", start, start + len(text), text, None)


_BUILDERS: Final[dict[str, Callable[[re.Match[str]], Token]]] = {
    "url": lambda m: _token(m, "url", url_key(m.group())),
    "cite": lambda m: _token(m, "citation", m.group()),
    "tmpl": lambda m: _token(m, "template", None),
    "label": _label,
    "mdy": _mdy,
    "dmy": _dmy,
    "iso": _iso,
    "us": _us,
    "phone": lambda m: _token(m, "phone", phone_key(m.group())),
    "amt": lambda m: _token(m, "amount", parse_money(m.group()[m.start("amt_n") - m.start() :])),
    "amtb": lambda m: _token(m, "amount", parse_money(m.group("amtb_n"))),
    "carc": lambda m: _token(m, "carc", code_key(m.group())),
    "rarc": lambda m: _token(m, "code", code_key(m["rarc_v"]), "rarc_v"),
    "code": lambda m: _token(m, "code", code_key(m["code_v"]), "code_v"),
    "num": lambda m: _token(m, "number", m.group()),
    "word": lambda m: _token(m, "word", None),
}
