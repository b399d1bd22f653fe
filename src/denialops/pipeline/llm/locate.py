"""Finding a value the model gave in the letter's own text — the test every LLM-read fact
must pass before it is merged (PRODUCT.md §1: "it never invents a code, date or amount").

A value is found when the letter states it, compared in normal form: a date in any format the
reader knows (`find_dates`), an amount to the cent, a phone number by its digits, a URL or
e-mail address by host and path (the grounding lexer's normalisers), a code by its letters and
digits, an identifier or a name as whole words, ignoring case and line breaks. What is found
comes back as evidence (page, span, the letter's own quote), like every deterministic fact.

The search runs over the reader's view of the letter (`Doc.text`), where instruction-like
lines are blanked: a value that only occurs inside "set the claim number to 99999" is not
stated by the letter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Final

from denialops.domain.codes import is_known_carc, is_known_rarc, normalize_rarc, split_carc
from denialops.domain.facts import CodeType, Evidence, ExtractedText
from denialops.domain.grounding.lexer import Token, scan
from denialops.domain.grounding.values import iso_date, parse_money, phone_key, url_key
from denialops.pipeline.facts.dates import DateMatch, find_dates
from denialops.pipeline.facts.document import Doc
from denialops.pipeline.facts.procedures import is_valid_npi, normalize_icd
from denialops.pipeline.llm.trace import RejectionKind

CodeFound = tuple[str, str | None, Evidence]

#: Shorter strings match by accident ("A", "12"); no name or identifier is this short.
MIN_CHARS: Final = 3
MAX_CHARS: Final = 300
_FOLD: Final = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_DASHES: Final = re.compile("[\u2010-\u2014\u2212]")
_PLAIN_AMOUNT: Final = re.compile(r"(?<![\d.,$])(?:\d{1,3}(?:,\d{3})+|\d+)\.\d\d(?![\d]|,\d)")
_CPT: Final = re.compile(r"\d{4}[0-9FTU]")
_HCPCS: Final = re.compile(r"[A-V]\d{4}")
_CODE_LABEL: Final = re.compile(r"(?i)(?:code|carc|reason)[^\n]{0,30}$")


class LetterIndex:
    """One letter, searchable for the model's values. Build it off the event loop: it reads
    the whole letter (its dates, and on first need its other values) once."""

    def __init__(self, text: ExtractedText) -> None:
        self.doc = Doc(text)

    @cached_property
    def _dates(self) -> list[DateMatch]:
        return find_dates(self.doc)

    @cached_property
    def _tokens(self) -> list[Token]:
        return list(scan(self.doc.text))

    def _evidence(self, start: int, end: int) -> Evidence | None:
        return self.doc.evidence(start, end)

    # -- values -------------------------------------------------------------------------------

    def words(self, value: str, *, min_chars: int = MIN_CHARS) -> Evidence | None:
        """A name or phrase stated as whole words (case and whitespace ignored)."""
        folded = _DASHES.sub("-", value.translate(_FOLD))
        parts = folded.split()
        if not parts or not min_chars <= len(" ".join(parts)) <= MAX_CHARS:
            return None
        body = r"\s+".join(re.escape(part) for part in parts)
        if re.match(r"\w", parts[0]):
            body = r"(?<!\w)" + body
        if re.search(r"\w$", parts[-1]):
            body += r"(?!\w)"
        m = re.search(body, self.doc.text, re.IGNORECASE)
        return self._evidence(m.start(), m.end()) if m else None

    def identifier(self, value: str) -> Evidence | None:
        """An ID (member, group, claim number) stated whole: not inside a longer ID."""
        value = value.strip()
        if not MIN_CHARS <= len(value) <= 64 or not re.search(r"[A-Za-z0-9]", value):
            return None
        parts = [re.escape(part) for part in value.split()]
        body = r"(?<![A-Za-z0-9])" + r"\s+".join(parts) + r"(?![A-Za-z0-9])"
        m = re.search(body, self.doc.text, re.IGNORECASE)
        return self._evidence(m.start(), m.end()) if m else None

    def date(self, value: str) -> tuple[date, Evidence] | None:
        """A date the letter states, however either side writes it."""
        day = iso_date(value) if re.fullmatch(r"\s*\d{4}-\d\d-\d\d\s*", value) else None
        if day is None:
            day = next((t.value for t in scan(value) if isinstance(t.value, date)), None)
        if day is None:
            return None
        for found in self._dates:
            if found.value == day and (ev := self._evidence(found.start, found.end)):
                return day, ev
        return None

    def amount(self, value: str | float | int) -> tuple[Decimal, Evidence] | None:
        """An amount the letter states, to the cent ("$1,840.00", "1840.00 USD", "1,840.00")."""
        text = str(value).strip().replace("$", "").replace("USD", "").strip()
        amount = parse_money(text) if re.fullmatch(r"-?[\d,]+(?:\.\d+)?", text) else None
        if amount is None:
            return None
        spans = [(t.start, t.end) for t in self._tokens if t.form == "amount" and t.value == amount]
        for m in _PLAIN_AMOUNT.finditer(self.doc.text):
            if parse_money(m.group()) == amount:
                spans.append((m.start(), m.end()))
        for start, end in sorted(spans):
            if ev := self._evidence(start, end):
                return amount, ev
        return None

    def phone(self, value: str) -> Evidence | None:
        """A phone or fax number the letter states (compared by its ten digits)."""
        key = phone_key(value)
        if len(key) != 10:
            return None
        return self._first(t for t in self._tokens if t.form == "phone" and t.value == key)

    def address(self, value: str) -> Evidence | None:
        """A website or e-mail address the letter states (scheme, `www.`, case ignored)."""
        key = url_key(value)
        if len(key) < MIN_CHARS:
            return None
        return self._first(t for t in self._tokens if t.form == "url" and t.value == key)

    def npi(self, value: str) -> Evidence | None:
        """A provider NPI: ten digits with a valid check digit, stated in the letter."""
        digits = value.strip()
        return self.identifier(digits) if is_valid_npi(digits) else None

    def _first(self, tokens: Iterator[Token]) -> Evidence | None:
        for token in tokens:
            if ev := self._evidence(token.start, token.end):
                return ev
        return None

    # -- codes --------------------------------------------------------------------------------

    def code(self, code_type: CodeType, value: str) -> CodeFound | RejectionKind:
        """(code as we store it, CARC group, evidence), or why not: "unknown_code" when our
        tables do not know it, "malformed" when it is not shaped like one, "not_in_letter"."""
        raw = value.strip().upper()
        if code_type is CodeType.CARC:
            return self._carc(raw)
        if code_type is CodeType.RARC:
            rarc = normalize_rarc(raw)
            return self._stated(rarc, (rarc,)) if is_known_rarc(rarc) else "unknown_code"
        if code_type is CodeType.ICD10CM:
            icd = normalize_icd(raw)  # the dotted form, when it is a real code
            if icd is None:
                return "unknown_code"
            return self._stated(icd, (icd, icd.replace(".", "")))
        # CPT and HCPCS Level II are licensed code sets we do not ship: shape only.
        shape = _CPT if code_type is CodeType.CPT else _HCPCS
        if not shape.fullmatch(raw):
            return "malformed"
        return self._stated(raw, (raw,))

    def _carc(self, raw: str) -> CodeFound | RejectionKind:
        group, number = split_carc(raw)
        if not number.isalnum() or not is_known_carc(number):
            return "unknown_code"
        for token in self._tokens:
            if token.form != "carc" or not isinstance(token.value, str):
                continue
            letter_group, letter_number = split_carc(token.text)
            if letter_number == number and (group is None or group == letter_group):
                ev = self._evidence(token.start, token.end)
                if ev is not None:
                    stored = f"{letter_group}-{number}" if letter_group else number
                    return stored, letter_group, ev
        if group is None:  # a bare number counts only where the letter labels it a code
            pattern = rf"(?<![\w.-]){re.escape(number)}(?![\w]|\.\d)"
            for m in re.finditer(pattern, self.doc.text):
                if _CODE_LABEL.search(self.doc.line_prefix(m.start(), 40)):
                    ev = self._evidence(m.start(), m.end())
                    if ev is not None:
                        return number, None, ev
        return "not_in_letter"

    def _stated(self, code: str, spellings: tuple[str, ...]) -> CodeFound | RejectionKind:
        """`code` when the letter writes one of its `spellings` as a whole word."""
        for spelling in spellings:
            pattern = rf"(?<![\w.-]){re.escape(spelling)}(?![\w]|\.\w)"
            m = re.search(pattern, self.doc.text, re.IGNORECASE)
            if m is not None and (ev := self._evidence(m.start(), m.end())):
                return code, None, ev
        return "not_in_letter"
