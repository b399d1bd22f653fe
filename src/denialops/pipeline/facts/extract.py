"""`extract_facts`: run every extractor once over the letter and assemble `CaseFacts`.

Each scalar value comes with its evidence, keyed by its dotted path; every scalar path with no
value is listed in `missing_info`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final, TypeVar

from denialops.domain.facts import (
    Amounts,
    CaseFacts,
    ContactInfo,
    Dates,
    Evidence,
    ExtractedText,
    Payer,
    Service,
)
from denialops.pipeline.facts.amounts import extract_amounts
from denialops.pipeline.facts.contacts import extract_contacts
from denialops.pipeline.facts.dates import DATE_RE, find_dates, parse_date
from denialops.pipeline.facts.deadlines import extract_dates
from denialops.pipeline.facts.document import Doc
from denialops.pipeline.facts.identifiers import extract_identifiers
from denialops.pipeline.facts.labels import index_labels
from denialops.pipeline.facts.parties import extract_payer
from denialops.pipeline.facts.procedures import extract_codes
from denialops.pipeline.facts.provider import extract_provider
from denialops.pipeline.facts.reason import extract_reason, summarize
from denialops.pipeline.facts.service import extract_description
from denialops.pipeline.facts.tables import StackedValue, Table, find_stacked, find_tables
from denialops.pipeline.facts.values import Found

T = TypeVar("T")

#: Every scalar fact, by dotted path: each is either set (with evidence) or in `missing_info`.
FIELD_PATHS: Final = (
    "payer.name",
    "payer.plan_name",
    "payer.plan_type",
    "payer.member_id",
    "payer.group_number",
    "payer.claim_number",
    "dates.date_of_denial",
    "dates.date_of_service",
    "dates.appeal_deadline",
    "dates.appeal_window_days",
    "amounts.billed_amount",
    "amounts.allowed_amount",
    "amounts.paid_amount",
    "amounts.patient_responsibility",
    "contact_info.phone",
    "contact_info.fax",
    "contact_info.address",
    "contact_info.email",
    "contact_info.website",
    "service.description",
    "service.provider_name",
    "service.provider_npi",
    "denial_reason",
)
_STACKED_DOS: Final = re.compile(r"(?i)dos|dates?\s+of\s+service|service\s+date|svc\s+date|from")


def extract_facts(text: ExtractedText) -> CaseFacts:
    """Read the letter's facts, each with the page, span and quote it came from."""
    doc = Doc(text)
    labels = index_labels(doc)
    tables = find_tables(doc)
    stacked = find_stacked(doc)

    payer = extract_payer(doc, labels)
    ids = extract_identifiers(doc, labels, stacked)
    dates = extract_dates(doc, find_dates(doc), labels, _table_dos(doc, tables, stacked))
    amounts = extract_amounts(doc, tables).fields
    contacts = extract_contacts(doc, payer.letterhead_end)
    codes = extract_codes(doc, tables, labels)
    description_cells = [span for t in tables for span in t.column_cells("description")]
    description = extract_description(doc, labels, codes.procedure_descriptions, description_cells)
    provider = extract_provider(doc, labels, _value(payer.name))
    reason = extract_reason(doc)

    found: dict[str, Found[str] | Found[int] | Found[Decimal] | None] = {
        "payer.name": payer.name,
        "payer.plan_name": payer.plan_name,
        "payer.plan_type": payer.plan_type,
        "payer.member_id": ids.member_id,
        "payer.group_number": ids.group_number,
        "payer.claim_number": ids.claim_number,
        "dates.date_of_denial": dates.date_of_denial,
        "dates.date_of_service": dates.date_of_service,
        "dates.appeal_deadline": dates.appeal_deadline,
        "dates.appeal_window_days": dates.appeal_window_days,
        **{f"amounts.{name}": value for name, value in amounts.items()},
        "contact_info.phone": contacts.phone,
        "contact_info.fax": contacts.fax,
        "contact_info.address": contacts.address,
        "contact_info.email": contacts.email,
        "contact_info.website": contacts.website,
        "service.description": description,
        "service.provider_name": provider,
        "service.provider_npi": codes.npi,
        "denial_reason": reason,
    }
    facts = CaseFacts(
        denial_reason=_value(reason),
        payer=Payer(
            name=_value(payer.name),
            plan_name=_value(payer.plan_name),
            plan_type=_value(payer.plan_type),
            member_id=_value(ids.member_id),
            group_number=_value(ids.group_number),
            claim_number=_value(ids.claim_number),
        ),
        dates=Dates(
            date_of_denial=_value(dates.date_of_denial),
            date_of_service=_value(dates.date_of_service),
            appeal_deadline=_value(dates.appeal_deadline),
            appeal_window_days=_value(dates.appeal_window_days),
        ),
        amounts=Amounts(
            billed_amount=_value(amounts.get("billed_amount")),
            allowed_amount=_value(amounts.get("allowed_amount")),
            paid_amount=_value(amounts.get("paid_amount")),
            patient_responsibility=_value(amounts.get("patient_responsibility")),
        ),
        contact_info=ContactInfo(
            phone=_value(contacts.phone),
            fax=_value(contacts.fax),
            address=_value(contacts.address),
            email=_value(contacts.email),
            website=_value(contacts.website),
        ),
        service=Service(
            description=_value(description),
            cpt_codes=codes.cpt,
            hcpcs_codes=codes.hcpcs,
            diagnosis_codes=codes.diagnoses,
            provider_name=_value(provider),
            provider_npi=_value(codes.npi),
        ),
        denial_codes=codes.codes,
        evidence=_evidence(doc, found),
        missing_info=[path for path in FIELD_PATHS if found.get(path) is None],
    )
    facts.denial_reason_summary = summarize(
        facts.denial_reason, facts.denial_codes, facts.payer.name, facts.service.description
    )
    return facts


def _value(found: Found[T] | None) -> T | None:
    return found.value if found is not None else None


def _evidence(
    doc: Doc, found: dict[str, Found[str] | Found[int] | Found[Decimal] | None]
) -> dict[str, Evidence]:
    evidence: dict[str, Evidence] = {}
    for path, f in found.items():
        ev = doc.evidence(f.start, f.end) if f is not None else None
        if ev is not None:
            evidence[path] = ev
    return evidence


def _table_dos(doc: Doc, tables: list[Table], stacked: list[StackedValue]) -> Found[str] | None:
    """The first service line's date, from a table's date column or a stacked DOS label."""
    for item in stacked:
        if _STACKED_DOS.fullmatch(item.label.strip()):
            m = DATE_RE.search(doc.text, item.start, item.end)
            if m is not None and (value := parse_date(m)) is not None:
                return Found(value.isoformat(), m.start(), m.end(), 0)
    for table in tables:
        for start, end in table.column_cells("date"):
            m = DATE_RE.search(doc.text, start, end)
            if m is not None and (value := parse_date(m)) is not None:
                return Found(value.isoformat(), m.start(), m.end(), 1)
    return None
