"""What was denied: a short description of the service, as the letter words it.

In order of trust: a "Service:"/"Procedure:"/"Item:" label, the words after "your claim
for", then a description in parentheses after a procedure code ("CPT 72148 (MRI lumbar
spine)"). Code parentheticals are stripped from the description; generic words ("services",
"the following") are not a description.
"""

from __future__ import annotations

import re
from typing import Final

from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, anchored
from denialops.pipeline.facts.labels import Labelled
from denialops.pipeline.facts.values import Found, best

_CLAIM_WORD: Final = re.compile("claim")
_ARTICLE_BEFORE: Final = re.compile(r"\b(?:your|the|this|a)[ \t]+$")
# "your claim for X", "the claim (submitted) from/by <provider> for X".
_NARRATIVE_RE: Final = re.compile(
    r"(?i)claim[ \t]+(?:submitted[ \t]+|we[ \t]+received[ \t]+)?"
    r"(?:(?:from|by)[ \t]+[^\n.,;]{1,60}?[ \t]+)?"
    r"for(?:[ \t]+|[ \t]*\n[ \t]*)(?:(?:an?|the|your)(?:[ \t]+|[ \t]*\n[ \t]*))?"
)
_END_RE: Final = re.compile(
    r"(?i)[ \t\n]+(?:performed|prescribed|provided|rendered|received|ordered|administered"
    r"|done|on|at|from|dated|that|which|was|were|has|have|had|is|are|by|billed|under|because"
    r"|you|in[ \t]+the"
    r"[ \t]+amount)\b|[,.;:!?](?:[ \t\n]|$)|\n[ \t]*\n|[ \t]*\((?:[ \t]*(?:cpt|hcpcs|code"
    r"|procedure|revenue))|[ \t]*\((?=[ \t]*\d)|[ \t]+[-—][ \t]+(?:cpt|hcpcs)"
)
_CODE_PAREN: Final = re.compile(
    r"(?i)[ \t]*\((?:[ \t]*(?:cpt|hcpcs|code|procedure|revenue)[^)]*|[ \t]*\d[^)]*)\)"
    r"|[ \t]+[-—][ \t]+(?:cpt|hcpcs)\b.*$"
)
_STARTS_WITH_CODE: Final = re.compile(
    r"(?i)^(?:cpt|hcpcs|procedure|treatment|service|billing)\b[^\n]{0,12}?\d|^\d{4}[0-9FTU]\b"
    r"|^[A-V]\d{4}\b"
)
_GENERIC: Final = re.compile(
    r"(?i)^(?:the[ \t]+|your[ \t]+|this[ \t]+)?(?:services?|medical[ \t]+services?|benefits?"
    r"|payment|reimbursement|coverage|the[ \t]+following|care|treatment|items?|claims?|visits?"
    r"|surgery|procedures?|tests?|supplies|equipment)(?:[ \t]+(?:listed|below|above|received"
    r"|rendered|provided))*$"
)
# Table cells carry the line's amount or code at the end: "Office visit 99204  $310.00".
_TRAILING_NOISE: Final = re.compile(r"(?:[ \t]+(?:\$[\d,]+(?:\.\d\d)?|\d{4}[0-9FTU]|[A-V]\d{4}))+$")
_PHONE_LIKE: Final = re.compile(r"\d{3}[ .-]\d{3}[ .-]\d{4}")
_LEADING_CODE: Final = re.compile(r"^(?:\d{4}[0-9FTU]|[A-V]\d{4})(?:-[0-9A-Z]{2})?[ \t]*")


def extract_description(
    doc: Doc,
    labels: dict[str, list[Labelled]],
    code_descriptions: list[Found[str]],
    table_cells: list[tuple[int, int]],
) -> Found[str] | None:
    """The service's description, or None when the letter does not name the service.

    `code_descriptions` are parentheticals after procedure codes; `table_cells` the spans of
    a table's service-description column.
    """
    found: list[Found[str]] = []
    for item in labels.get("service", ()):
        raw = doc.text[item.value_start : item.value_end]
        leading = _LEADING_CODE.match(raw)
        rest = raw[leading.end() :].lstrip() if leading else ""
        if _STARTS_WITH_CODE.match(raw) and (
            leading is None or rest[:1] in ("", "(", ",", "/", ";")
        ):
            continue  # a code list: its own descriptions are read with the codes
        value = _clean(_LEADING_CODE.sub("", raw))
        if value:
            start = item.value_start + raw.index(value.split()[0])
            found.append(Found(value, start, start + len(value), item.rank))
            break
    if not found:
        for hit in anchored(_CLAIM_WORD, doc.lower, limit=FIRST_CANDIDATES):
            if not _ARTICLE_BEFORE.search(doc.lower, max(0, hit.start() - 8), hit.start()):
                continue
            m = _NARRATIVE_RE.match(doc.text, hit.start())
            if m is None:
                continue
            window = doc.after(m.end(), 120)
            end = _END_RE.search(window)
            raw = window[: end.start()] if end else ""
            value = _clean(raw)
            if value and not _STARTS_WITH_CODE.match(value):
                found.append(
                    Found(" ".join(value.split()), m.end(), m.end() + len(raw.rstrip()), 1)
                )
                break
    if code_descriptions:
        first = code_descriptions[0]
        found.append(Found(first.value, first.start, first.end, 2))
    if table_cells:
        cell_start, cell_end = table_cells[0]
        cell = _clean(doc.text[cell_start:cell_end])
        if cell:
            found.append(Found(cell, cell_start, cell_start + len(cell), 3))
    return best(found)


def _clean(raw: str) -> str:
    """The description without code parentheticals and trailing amounts; "" when it is
    generic ("services"), a phone number or not words at all."""
    value = _CODE_PAREN.sub("", raw).strip(" \t\n.,;:-—")
    value = _TRAILING_NOISE.sub("", value).strip(" \t\n.,;:-—")
    letters = sum(c.isalpha() for c in value)
    if not value or _GENERIC.match(value) or len(value) > 100 or letters < 3:
        return ""
    if _PHONE_LIKE.search(value) or letters < len(value) / 2:
        return ""
    return value
