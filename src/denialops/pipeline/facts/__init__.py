"""The deterministic half of the `extract_facts` stage: structured facts, each with evidence.

    facts = extract_facts(extracted_text)     # CaseFacts

Deterministic and linear in the letter's size: every full-text pattern starts with a literal
or a rare character, runs once, and is followed only by bounded look-arounds (see
`document`). Letter text is data: no sentence in it changes what is extracted.

Where things are read:

    document     the joined, folded text; evidence back to page offsets; instruction masking
    labels       "label: value" cells, looked up in one table of label phrases
    tables       remittance tables (header, service lines, TOTAL) and stacked label rows
    identifiers  member ID, group number, claim number
    parties      the issuing payer, plan name and plan type
    provider     the provider who gave the service
    dates        finding and parsing dates;  deadlines: what each date means, appeal window
    amounts      billed, allowed, paid, patient responsibility
    contacts     phone, fax, address, email, website
    codes        CARC and RARC;  procedures: CPT, HCPCS, ICD-10-CM, NPI
    service      the service's description
    reason       the stated reason and the one-sentence summary
    sections     sentences, headings, boilerplate
"""

from __future__ import annotations

from denialops.pipeline.facts.extract import FIELD_PATHS, extract_facts

__all__ = ["FIELD_PATHS", "extract_facts"]
