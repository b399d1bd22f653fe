"""The provider who gave the service: a "Provider:"-style label, the addressee of a
provider-facing letter, or the letter's prose ("performed by Dr. X", "the claim from Y",
"services you received from Z", "at St. Luke's Medical Center"), in that order of trust.
"""

from __future__ import annotations

import re
from typing import Final

from denialops.pipeline.facts.dates import DATE_RE
from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, anchored
from denialops.pipeline.facts.labels import Labelled
from denialops.pipeline.facts.values import Found, best

_SEP: Final = r"(?:[ \t]+|[ \t]*\n[ \t]*)"
_TOKEN: Final = r"(?:[A-Z][a-z]{0,2}\.|[A-Z][\w'&-]*)"
_ORG: Final = rf"{_TOKEN}(?:{_SEP}(?:(?:of|the|and|&|de|del|la|for){_SEP}){{0,2}}{_TOKEN}){{0,7}}"
_FACILITY_TAIL: Final = (
    r"(?:Medical[ \t]+Center|Hospital|Clinic|Associates|Center|Group|Practice|Imaging"
    r"|Radiology|Laboratory|Labs?|Physicians|Partners|Urgent[ \t]+Care|Specialists|Institute"
    r"|Surgery|Surgical|Orthopedics|Pharmacy|Rehabilitation|Health[ \t]+System)"
)
_DOCTOR_RE: Final = re.compile(
    r"(?:Dr\.?|Doctor)[ \t]+[A-Z][A-Za-z'-]+(?:[ \t]+[A-Z]\.)?(?:[ \t]+[A-Z][A-Za-z'-]+){0,2}"
    r"(?:,[ \t]*(?:MD|M\.D\.|DO|NP|PA-C|PA|DPM|DC))?"
)
_DOCTOR_WORDS: Final = tuple(re.compile(w) for w in ("dr", "doctor"))
_BY_BEFORE: Final = re.compile(
    r"\b(?:performed|prescribed|ordered|provided|rendered|administered|furnished|billed"
    r"|submitted|treated|requested|referred|seen)\b[^\n]{0,40}?\bby(?:[ \t]+|[ \t]*\n[ \t]*)$"
)
_CLAIM_WORD: Final = re.compile("claim")
_CLAIM_FROM_RE: Final = re.compile(
    rf"(?i:claim(?:[ \t]+(?:submitted|sent|filed|billed))?[ \t]+(?:from|by)){_SEP}(?P<v>{_ORG})"
    rf"|(?i:claim[ \t]+that)[ \t]+(?P<v2>{_ORG})[ \t]+(?i:sent|submitted|filed)"
)
_FROM_WORD: Final = re.compile("from")
_FROM_RE: Final = re.compile(rf"from{_SEP}(?P<v>{_ORG})")
_RECEIVED_BEFORE: Final = re.compile(r"\b(?:received|services?|care|treatment|visit)\b[^.]{0,40}?$")
_AT_WORD: Final = re.compile(" at")
_AT_RE: Final = re.compile(rf"at{_SEP}(?P<v>(?:{_TOKEN}{_SEP}){{0,5}}?{_FACILITY_TAIL})\b")
_NOT_PROVIDER: Final = re.compile(
    r"(?i)\b(?:member|customer|appeals?|grievance|department|medicare|medicaid|plan|insurance"
    r"|dear|your|our|this|we)\b"
)
_TRAILING_CONNECTOR: Final = re.compile(r"(?:[ \t\n]+(?:of|the|and|&|de|del|la|for))+$")
# A label's value ends before an NPI/tax ID, an address ("..., 212 E. Town St") or a note
# in parentheses ("(out of network)").
_VALUE_CUT: Final = re.compile(r"(?i)[ \t,;]+(?:NPI|Tax|TIN)\b|,[ \t]*\d|[ \t]*\(")
_LABELLED_LINE: Final = re.compile(r"[A-Za-z][\w /#&().'-]{0,40}:")
_TO_LABEL_RE: Final = re.compile(r"(?im)^[ \t]*to[ \t]*:[ \t]*(?P<value>[^\n]*?)[ \t]*$")
_PROVIDER_ORG: Final = re.compile(
    r"(?i)\b(?:llc|pllc|p\.?c|s\.?c|inc|group|associates|clinic|cent(?:er|re)|hospital|medicine"
    r"|therapy|practice|partners|services|care|health|imaging|radiology|cardiology|orthopa?edics?"
    r"|pediatrics|diagnostics|surgery|surgical|ambulance|laborator(?:y|ies)|labs?|pharmacy"
    r"|supply|equipment|institute|physicians|specialists|medical)\b"
)


def extract_provider(
    doc: Doc, labels: dict[str, list[Labelled]], payer_name: str | None
) -> Found[str] | None:
    """The provider or facility named as giving the service."""
    found: list[Found[str]] = []
    for item in labels.get("provider", ()):
        raw = doc.text[item.value_start : item.value_end]
        value = _VALUE_CUT.split(raw, maxsplit=1)[0].strip(" \t.,;")
        if _plausible(value, payer_name):
            found.append(Found(value, item.value_start, item.value_start + len(value), item.rank))
    if any(f.rank == 0 for f in found):
        return best(found)
    addressee = _addressee(doc, payer_name)
    if addressee is not None:
        found.append(addressee)
    found.extend(_narrative(doc, payer_name))
    return best(found)


def _addressee(doc: Doc, payer_name: str | None) -> Found[str] | None:
    """A provider-facing letter's addressee ("To: X", or the first line under the letter's
    date) when it is an organisation: the provider the letter is about."""
    head_end = min(doc.first_page_end, 1500)
    m = _TO_LABEL_RE.search(doc.text, 0, head_end)
    start = m.start("value") if m else -1
    if m is None:
        for d in DATE_RE.finditer(doc.text, 0, min(head_end, 800)):
            line_start, line_end = doc.line_at(d.start())
            rest = doc.text[line_start : d.start()].strip()
            if doc.text[d.end() : line_end].strip(" \t,.") or (rest and not rest.endswith(":")):
                continue
            start = line_end
            while start < head_end and doc.text[start] in " \t\n":
                start += 1
            break
    if start < 0:
        return None
    raw = doc.text[start : doc.line_end(start, 120)]
    if m is None and _LABELLED_LINE.match(raw):
        return None  # "Payee: X" under the date is a field, read by the label rules
    value = _VALUE_CUT.split(raw, maxsplit=1)[0].strip(" \t.,;")
    if not _PROVIDER_ORG.search(value) or not _plausible(value, payer_name):
        return None
    return Found(value, start, start + len(value), 2)


def _narrative(doc: Doc, payer_name: str | None) -> list[Found[str]]:
    """Providers named in prose, ranked: a doctor or "the claim from X" (3), "received from
    X" (4), "at <facility>" (5). The first plausible one of each kind is enough."""
    text = doc.text
    found: list[Found[str]] = []
    for word in _DOCTOR_WORDS:
        for hit in anchored(word, doc.lower, limit=FIRST_CANDIDATES):
            m = _DOCTOR_RE.match(text, hit.start())
            if m is None or (hit.start() > 0 and text[hit.start() - 1].isalnum()):
                continue
            if _BY_BEFORE.search(doc.lower, max(0, hit.start() - 60), hit.start()):
                found.append(_found(m.group(), m.start(), 3))
                break
    for hit in anchored(_CLAIM_WORD, doc.lower, limit=FIRST_CANDIDATES):
        m = _CLAIM_FROM_RE.match(text, hit.start())
        group = "v" if m and m.group("v") else "v2"
        if m is not None and _plausible(_tidy(m.group(group)), payer_name):
            found.append(_found(m.group(group), m.start(group), 3))
            break
    for hit in anchored(_FROM_WORD, doc.lower, limit=FIRST_CANDIDATES):
        m = _FROM_RE.match(text, hit.start())
        if m is None or not _RECEIVED_BEFORE.search(
            doc.lower, max(0, hit.start() - 50), hit.start()
        ):
            continue
        if _plausible(_tidy(m.group("v")), payer_name):
            found.append(_found(m.group("v"), m.start("v"), 4))
            break
    for hit in anchored(_AT_WORD, doc.lower, limit=FIRST_CANDIDATES):
        m = _AT_RE.match(text, hit.start() + 1)
        if m is not None and _plausible(_tidy(m.group("v")), payer_name):
            found.append(_found(m.group("v"), m.start("v"), 5))
            break
    return found


def _tidy(raw: str) -> str:
    return _TRAILING_CONNECTOR.sub("", raw).rstrip(" \t.,;")


def _found(raw: str, start: int, rank: int) -> Found[str]:
    value = _tidy(raw)
    return Found(" ".join(value.split()), start, start + len(value), rank)


def _plausible(value: str, payer_name: str | None) -> bool:
    if (
        not value
        or len(value) > 80
        or not value[0].isalpha()
        or sum(c.isalpha() for c in value) < 3
    ):
        return False
    if value.startswith(("Dr", "Doctor")):
        return True
    if payer_name and payer_name.lower() in value.lower():
        return False
    return not _NOT_PROVIDER.search(value)
