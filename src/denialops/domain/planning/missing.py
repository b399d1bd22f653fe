"""What the plan needs but the letter does not state, as "Unknown — please provide …" items.

Each item names the fact's path in `case_facts.json` and tells the reader where that fact is
usually found, so a missing value becomes a question the user can answer, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from denialops.domain.facts import CaseFacts
from denialops.domain.plan import MissingItem

_UNKNOWN: Final = "Unknown — please provide "

#: Facts every plan uses: they identify the claim and the people to talk to.
COMMON_NEEDS: Final = (
    "payer.name",
    "payer.claim_number",
    "payer.member_id",
    "dates.date_of_service",
    "dates.date_of_denial",
    "contact_info.phone",
    "service.provider_name",
    "service.description",
    "service.cpt_codes",
)
APPEAL_NEEDS: Final = ("dates.appeal_deadline",)

Check = Callable[[CaseFacts], bool]

# path → (is it missing?, what to ask for)
_FIELDS: Final[dict[str, tuple[Check, str]]] = {
    "payer.name": (
        lambda f: not _has(f.payer.name),
        "the name of the insurance company or plan (it is on your insurance card)",
    ),
    "payer.claim_number": (
        lambda f: not _has(f.payer.claim_number),
        "the claim number (it is on your EOB or the denial letter)",
    ),
    "payer.member_id": (
        lambda f: not _has(f.payer.member_id),
        "the member ID (it is on your insurance card)",
    ),
    "payer.group_number": (
        lambda f: not _has(f.payer.group_number),
        "the group number (it is on your insurance card)",
    ),
    "payer.plan_name": (
        lambda f: not _has(f.payer.plan_name),
        "the plan's name (it is on your insurance card or plan documents)",
    ),
    "dates.date_of_service": (
        lambda f: not _has(f.dates.date_of_service),
        "the date of service (it is on your EOB or the provider's bill)",
    ),
    "dates.date_of_denial": (
        lambda f: not _has(f.dates.date_of_denial),
        "the date of the denial letter (it is printed near the top of the letter)",
    ),
    "contact_info.phone": (
        lambda f: not _has(f.contact_info.phone),
        "the plan's phone number (it is on the back of your insurance card)",
    ),
    "contact_info.address": (
        lambda f: not (_has(f.contact_info.address) or _has(f.contact_info.fax)),
        "the address or fax number for appeals (see the letter's appeal rights section, or "
        "ask the plan)",
    ),
    "contact_info.fax": (
        lambda f: not (_has(f.contact_info.fax) or _has(f.contact_info.address)),
        "where to send the records: the fax number or mailing address (see the letter, or ask "
        "the plan)",
    ),
    "service.provider_name": (
        lambda f: not _has(f.service.provider_name),
        "the provider's name (the doctor, hospital or clinic that billed)",
    ),
    "service.provider_npi": (
        lambda f: not _has(f.service.provider_npi),
        "the provider's NPI (National Provider Identifier; the provider's billing office has it)",
    ),
    "service.description": (
        lambda f: not _has(f.service.description),
        "a description of the service (what was done, as shown on the bill)",
    ),
    "service.cpt_codes": (
        lambda f: not (f.service.cpt_codes or f.service.hcpcs_codes),
        "the procedure codes (CPT or HCPCS; they are on the EOB or the provider's itemized bill)",
    ),
    "service.diagnosis_codes": (
        lambda f: not f.service.diagnosis_codes,
        "the diagnosis codes (they are on the claim; ask the provider's office)",
    ),
    "amounts.patient_responsibility": (
        lambda f: f.amounts.patient_responsibility is None,
        "the amount the plan says is your share (it is on your EOB)",
    ),
}


def missing_items(facts: CaseFacts, needs: tuple[str, ...]) -> list[MissingItem]:
    """One item per needed fact the letter does not state, in `needs` order, without repeats."""
    items: list[MissingItem] = []
    for path in dict.fromkeys(needs):
        if path == "dates.appeal_deadline":
            if not _has(facts.dates.appeal_deadline):
                items.append(MissingItem(field=path, prompt=_appeal_prompt(facts)))
            continue
        is_missing, what = _FIELDS[path]
        if is_missing(facts):
            items.append(MissingItem(field=path, prompt=_UNKNOWN + what))
    return items


def _appeal_prompt(facts: CaseFacts) -> str:
    days = facts.dates.appeal_window_days
    if days:
        # The letter gave a window we could not count (e.g. from the day it was received).
        return (
            f"{_UNKNOWN}the appeal deadline: the letter allows {days} days but not from a date "
            "it states, so note the day the letter arrived and ask the plan to confirm the "
            "last day to appeal"
        )
    return (
        f"{_UNKNOWN}the appeal deadline or window (the letter's appeal rights section usually "
        "says how many days you have; if it does not, ask the plan)"
    )


def _has(value: str | None) -> bool:
    return bool(value and value.strip())
