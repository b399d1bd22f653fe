"""How a produced value is compared with a label: normalised forms of fields and codes.

Strings compare casefolded with spaces squashed and edge punctuation stripped, phones by their
digits, money to the cent, dates as ISO, websites without scheme and `www.`; CARCs as
`GROUP-NUMBER`, ICD-10-CM codes without the dot.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from denialops.domain.facts import CaseFacts, CodeType
from denialops.evaluation.labels import FIELD_KINDS, FieldKind, LabelValue, alternatives

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = " .,;:!?'\"`()[]{}<>-_/\\|*#~\u2013\u2014\u2018\u2019\u201c\u201d"
_CARC = re.compile(r"(CO|PR|OA|PI|CR)\s*[-\u2013:]?\s*([A-Z]?\d{1,3}|[A-Z]\d?)")


def normalise(kind: FieldKind, value: object) -> str | int | Decimal | None:
    """A comparable form of a field value; None for "not stated" (None or blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "money":
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return str(value).strip()
    if kind == "int":
        return value if isinstance(value, int) else str(value).strip()
    text = _SPACES.sub(" ", str(value).casefold()).strip(_EDGE_PUNCT)
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return text
    if kind == "website":
        return re.sub(r"^(https?://)?(www\.)?", "", text).rstrip("/")
    return text


def field_matches(key: str, expected: LabelValue, produced: object) -> bool:
    """Whether a produced value is one of the label's acceptable values for `key`."""
    kind = FIELD_KINDS[key]
    got = normalise(kind, produced)
    return any(
        (alt is None and got is None)
        or (alt is not None and got is not None and normalise(kind, alt) == got)
        for alt in alternatives(expected)
    )


def normalise_code(code_type: CodeType, code: str, group: str | None = None) -> str:
    """A comparable code: CARCs as `GROUP-NUMBER` (a bare number stays bare unless `group` is
    given), ICD-10-CM without the dot, everything upper case without spaces."""
    text = _SPACES.sub("", code.upper())
    if code_type == CodeType.CARC:
        match = _CARC.fullmatch(code.upper().strip())
        if match:
            return f"{match.group(1)}-{match.group(2)}"
        if group:
            return f"{group.strip().upper()}-{text}"
    if code_type == CodeType.ICD10CM:
        return text.replace(".", "")
    return text


def produced_codes(facts: CaseFacts) -> dict[CodeType, set[str]]:
    """Every code the pipeline reported, per type: `denial_codes` and the service's code lists."""
    found: dict[CodeType, set[str]] = {t: set() for t in CodeType}
    for code in facts.denial_codes:
        found[code.code_type].add(normalise_code(code.code_type, code.code, code.group))
    for code_type, codes in (
        (CodeType.CPT, facts.service.cpt_codes),
        (CodeType.HCPCS, facts.service.hcpcs_codes),
        (CodeType.ICD10CM, facts.service.diagnosis_codes),
    ):
        found[code_type].update(normalise_code(code_type, c) for c in codes)
    return found


def field_value(facts: CaseFacts, key: str) -> object:
    section, name = key.split(".")
    return getattr(getattr(facts, section), name)
