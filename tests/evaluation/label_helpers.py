"""Labels and results for scoring tests: a label, the facts a flawless pipeline would produce
for it, and a result carrying them."""

from __future__ import annotations

from typing import Any

from denialops.domain.facts import CaseFacts, CodeType, DenialCode
from denialops.evaluation import FIELD_KEYS, Label, LetterResult, alternatives


def make_label(**overrides: Any) -> Label:
    fields: dict[str, Any] = dict.fromkeys(FIELD_KEYS)
    fields.update(
        {
            "payer.name": ["Blue Cross Blue Shield of North Carolina", "BCBS of North Carolina"],
            "payer.member_id": "ABC123456789",
            "payer.claim_number": "CLM2024011500001",
            "dates.date_of_denial": "2024-01-15",
            "dates.date_of_service": "2024-01-05",
            "dates.appeal_deadline": "2024-07-13",
            "dates.appeal_window_days": 180,
            "amounts.billed_amount": 2500.00,
            "amounts.allowed_amount": 0.0,
            "contact_info.phone": "1-800-555-1234",
        }
    )
    fields.update(overrides.pop("fields", {}))
    codes: dict[str, list[str]] = {t.value: [] for t in CodeType} | {
        "CARC": ["CO-197"],
        "CPT": ["72148"],
    }
    codes |= overrides.pop("codes", {})
    return Label.model_validate(
        {
            "id": "00_test",
            "route": "prior_auth_needed",
            "appealable": True,
            "fields": fields,
            "codes": codes,
        }
        | overrides
    )


def perfect_facts(label: Label) -> CaseFacts:
    """The facts a flawless pipeline would produce for `label`."""
    sections: dict[str, dict[str, Any]] = {}
    for key in FIELD_KEYS:
        value = next((v for v in alternatives(label.fields[key]) if v is not None), None)
        section, name = key.split(".")
        sections.setdefault(section, {})[name] = value
    facts = CaseFacts.model_validate(sections)
    facts.denial_codes = [
        DenialCode(code=code, code_type=code_type)
        for code_type, codes in label.codes.items()
        for code in codes
    ]
    return facts


def result(label: Label, facts: CaseFacts | None = None, **kw: Any) -> LetterResult:
    facts = perfect_facts(label) if facts is None else facts
    return LetterResult(label=label, facts=facts, route=kw.pop("route", label.route), **kw)
