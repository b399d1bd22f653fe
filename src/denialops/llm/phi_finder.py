"""The PHI in a letter that `CaseFacts` does not keep: people's names, street addresses and
dates of birth, found where letters state them, so that the pseudonymising layer can hide them
from a cloud model along with the member ID and the claim and group numbers.

What is looked for, line by line:
- names after a label ("Patient: ...", "Member Name: ...", "Subscriber: ...") or in the
  salutation ("Dear Ms. Jane Doe,"; "Dear Member," is not a name);
- dates of birth after "Date of birth", "DOB" or "Birth date";
- street lines ("1420 Elm Street, Apt 4"), PO boxes, and "City, ST 12345" lines.

Over-matching is safe (a placeholder is restored in the answer, so the worst case is that the
model sees a little less); missing a value is what the patterns guard against, so they accept
the common spellings rather than insist on exact ones. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Final

from denialops.llm.pseudonymise import PHIKind

_NAME_LABEL: Final = re.compile(
    r"(?im)^[ \t]*(?:patient|member|subscriber|enrollee|beneficiary|insured|policyholder)"
    r"(?:'s)?(?:[ \t]+(?:full[ \t]+)?name)?[ \t]*:[ \t]*(?P<v>[A-Z][A-Za-z.'\- ]{1,60}?)[ \t]*$"
)
_SALUTATION: Final = re.compile(
    r"(?m)^[ \t]*Dear[ \t]+(?:(?:Mr|Ms|Mrs|Mx|Dr)\.?[ \t]+)?"
    r"(?P<v>[A-Z][a-z'\-]+(?:[ \t]+[A-Z]\.?)?(?:[ \t]+[A-Z][A-Za-z'\-]+){0,2})[ \t]*[,:]"
)
_NOT_A_NAME: Final = frozenset(
    {"member", "members", "provider", "customer", "patient", "sir", "madam", "subscriber",
     "policyholder", "enrollee", "beneficiary", "valued", "doctor", "colleague"}
)  # fmt: skip
_DATE: Final = (
    r"(?:\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2},?[ \t]+\d{4}|\d{1,2}[ \t]+[A-Z][a-z]{2,8}\.?[ \t]+\d{4})"
)
_BIRTH: Final = re.compile(
    rf"(?i:date[ \t]+of[ \t]+birth|\bDOB\b|birth[ \t]*date)[ \t]*[:#]?[ \t]*(?P<v>{_DATE})"
)
_STREET_WORDS: Final = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl)"
)
_STREET: Final = re.compile(
    rf"(?im)(?P<v>\b\d{{1,6}}[ \t]+(?:[A-Za-z0-9.'\-]+[ \t]+){{0,4}}{_STREET_WORDS}\b\.?"
    r"(?:[ \t]*,?[ \t]*(?:Apt|Apartment|Unit|Suite|Ste|#)\.?[ \t]*[A-Za-z0-9\-]+)?)"
)
_PO_BOX: Final = re.compile(r"(?i)(?P<v>\bP\.?[ \t]*O\.?[ \t]*Box[ \t]+\d+)")
_CITY_LINE: Final = re.compile(
    r"(?m)(?P<v>\b[A-Z][A-Za-z.'\-]+(?:[ \t]+[A-Z][A-Za-z.'\-]+){0,3},[ \t]*[A-Z]{2}[ \t]+"
    r"\d{5}(?:-\d{4})?)\b"
)


def find_phi(text: str) -> dict[PHIKind, list[str]]:
    """Names, addresses and dates of birth stated in `text`, by kind, each value once."""
    found: dict[PHIKind, list[str]] = {}

    def add(kind: PHIKind, value: str) -> None:
        value = value.strip(" \t,.")
        if len(value) >= 2 and value not in found.setdefault(kind, []):
            found[kind].append(value)

    for m in _NAME_LABEL.finditer(text):
        add(PHIKind.PATIENT_NAME, m["v"])
    for m in _SALUTATION.finditer(text):
        if m["v"].split()[0].lower() not in _NOT_A_NAME:
            add(PHIKind.MEMBER_NAME, m["v"])
    for m in _BIRTH.finditer(text):
        add(PHIKind.DATE_OF_BIRTH, m["v"])
    for pattern in (_STREET, _PO_BOX, _CITY_LINE):
        for m in pattern.finditer(text):
            add(PHIKind.ADDRESS, m["v"])
    return {kind: values for kind, values in found.items() if values}
