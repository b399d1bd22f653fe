"""The plan's words for a case's facts: payer, phone, service, amounts, the situation paragraph.

Every value comes from `CaseFacts` as written there (dates ISO, amounts `$1,234.56`); where a
fact is missing the sentence says it generically ("your plan", "the service") or leaves the
clause out, so no "None", "null" or blank ever reaches the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from denialops.domain.codes import describe
from denialops.domain.facts import CaseFacts, CodeType, DenialCode, RouteName

#: What each route means, in one plain sentence (no facts in it).
ROUTE_MEANING: Final[dict[RouteName, str]] = {
    RouteName.PRIOR_AUTH_NEEDED: "the plan says the service needed its approval in advance "
    "(prior authorization) and it had no valid approval on file",
    RouteName.CLAIM_CORRECTION_RESUBMIT: "the claim seems to have a coding or data error "
    "(a code, modifier, provider number or other detail) that the plan could not accept",
    RouteName.MEDICAL_NECESSITY_APPEAL: "the plan says the service was not medically necessary "
    "for you (or was experimental, or the wrong level of care)",
    RouteName.COVERAGE_EXCLUSION: "the plan says the service is not a covered benefit, or is "
    "excluded by the plan",
    RouteName.OUT_OF_NETWORK: "the plan says the provider is not in its network",
    RouteName.TIMELY_FILING: "the plan says the claim reached it after its filing limit",
    RouteName.ELIGIBILITY_ISSUE: "the plan says you were not covered, or not eligible, on the "
    "date of service",
    RouteName.COORDINATION_OF_BENEFITS: "the plan needs to know about any other insurance you "
    "have, or thinks another plan should pay first",
    RouteName.DUPLICATE_CLAIM: "the plan thinks this claim is a copy of one it already received",
    RouteName.RECORDS_REQUESTED: "the plan needs medical records or other documents before it "
    "can decide",
}

#: Human names for routes, used when the plan mentions a runner-up.
ROUTE_LABEL: Final[dict[RouteName, str]] = {
    RouteName.PRIOR_AUTH_NEEDED: "prior authorization needed",
    RouteName.CLAIM_CORRECTION_RESUBMIT: "claim correction and resubmission",
    RouteName.MEDICAL_NECESSITY_APPEAL: "medical necessity appeal",
    RouteName.COVERAGE_EXCLUSION: "coverage exclusion",
    RouteName.OUT_OF_NETWORK: "out of network",
    RouteName.TIMELY_FILING: "timely filing",
    RouteName.ELIGIBILITY_ISSUE: "eligibility issue",
    RouteName.COORDINATION_OF_BENEFITS: "coordination of benefits",
    RouteName.DUPLICATE_CLAIM: "duplicate claim",
    RouteName.RECORDS_REQUESTED: "records requested",
}

_REASON_MAX: Final = 300
#: Codes that give a reason; procedure and diagnosis codes are listed with the service.
_REASON_CODES: Final = (CodeType.CARC, CodeType.RARC)


def money(amount: Decimal) -> str:
    """`Decimal("1234.5")` → `"$1,234.50"`: the form the grounding validator looks for."""
    return f"${amount:,.2f}"


@dataclass(frozen=True, slots=True)
class Words:
    """Phrases the step texts are formatted with (`"{Payer}"`, `"{phone}"` ...)."""

    payer: str  # "Acme Health" or "your plan"
    payer_title: str  # the same at the start of a sentence: "Your plan"
    phone: str
    service: str

    @classmethod
    def of(cls, facts: CaseFacts) -> Words:
        name = _clean(facts.payer.name)
        phone = _clean(facts.contact_info.phone)
        service = _clean(facts.service.description)
        return cls(
            payer=name or "your plan",
            payer_title=name or "Your plan",
            phone=f"at {phone}" if phone else "at the number on your insurance card",
            service=service or "the service",
        )

    def fill(self, text: str) -> str:
        """Format one of our own step texts; fact values are inserted, never parsed."""
        return text.format(
            payer=self.payer, Payer=self.payer_title, phone=self.phone, service=self.service
        )


def situation(facts: CaseFacts, meaning: str, *, verb: str = "denied") -> str:
    """What happened, in plain words, from the facts alone; `meaning` says what it amounts to
    (usually `ROUTE_MEANING[route]`), `verb` what the plan did to the claim."""
    parts = [_what_happened(facts, verb), _reason(facts), _codes(facts)]
    parts.append(f"In plain terms: {meaning}.")
    parts.append(_amounts(facts))
    return " ".join(p for p in parts if p)


def _what_happened(facts: CaseFacts, verb: str) -> str:
    words = Words.of(facts)
    claim = "the claim"
    if description := _clean(facts.service.description):
        claim += f" for {description}"
    if codes := facts.service.cpt_codes + facts.service.hcpcs_codes:
        claim += f" (procedure codes {', '.join(codes)})"
    details = []
    if dos := _clean(facts.dates.date_of_service):
        details.append(f"date of service {dos}")
    if provider := _clean(facts.service.provider_name):
        details.append(f"provider {provider}")
    if number := _clean(facts.payer.claim_number):
        details.append(f"claim number {number}")
    if details:
        claim += ", " + ", ".join(details)
    sentence = f"{words.payer_title} {verb} {claim}."
    if denial := _clean(facts.dates.date_of_denial):
        sentence += f" The letter is dated {denial}."
    return sentence


def _reason(facts: CaseFacts) -> str:
    reason = _clean(facts.denial_reason_summary) or _clean(facts.denial_reason)
    if not reason:
        return ""
    if len(reason) > _REASON_MAX:
        # Cut at a word boundary so the quote never ends mid-number (a half date or amount).
        reason = reason[:_REASON_MAX].rsplit(" ", 1)[0] + " …"
    return f'The letter gives this reason: "{reason.rstrip(".")}".'


def _codes(facts: CaseFacts) -> str:
    described = [_describe(c) for c in facts.denial_codes if c.code_type in _REASON_CODES]
    if not described:
        return ""
    return "The denial codes mean: " + "; ".join(described) + "."


def _describe(code: DenialCode) -> str:
    description = _clean(code.description) or describe(code.code_type, code.code)
    label = code.code if code.group is None or "-" in code.code else f"{code.group}-{code.code}"
    if description:
        return f"{label}: {description.rstrip('.')}"
    return f"{label} (not in our code table: ask the payer what it means)"


def _amounts(facts: CaseFacts) -> str:
    a = facts.amounts
    shown = [
        (label, value)
        for label, value in (
            ("billed", a.billed_amount),
            ("allowed", a.allowed_amount),
            ("paid", a.paid_amount),
            ("your share", a.patient_responsibility),
        )
        if value is not None
    ]
    if not shown:
        return ""
    return "Amounts shown: " + ", ".join(f"{label} {money(v)}" for label, v in shown) + "."


def _clean(value: str | None) -> str | None:
    """A usable fact value, or None for absent/blank ones (a blank must never be printed)."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None
