"""Codes: CARC and RARC (why the claim was not paid), plus the collector every code kind shares.

A number alone is never a code: each kind needs its context. A CARC needs a group code
("CO-197", "CO 197", "Group Code CO, Reason Code 197", "CARC 197 (CO)") or a reason-code
label ("Reason code: 197", "(code 18)") and must be in our table; a RARC needs a remark label
or a CARC next to it and must be in our table. Procedure and diagnosis codes live in
`procedures`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from denialops.domain import codes as table
from denialops.domain import icd10
from denialops.domain.facts import CodeType, DenialCode
from denialops.pipeline.facts.document import Doc, anchored
from denialops.pipeline.facts.values import Found

_GROUP: Final = r"(?:CO|PR|OA|PI|CR)"
# Anchored on the group code itself (a literal), so the scan skips everything else in C.
_GROUPED_RE: Final = re.compile(
    rf"(?P<group>{_GROUP})(?:[ \t]*[-:][ \t]*|[ \t]{{1,6}}|(?=\d\d))"
    r"(?P<number>[A-Z]?\d{1,3})(?![\d]|\.\d|[A-Za-z])"
)
_CARC_WORD: Final = re.compile("carc")
_CARC_LABEL_RE: Final = re.compile(
    rf"(?i:carcs?)\b[ \t]*[:#]?[ \t]*(?:(?P<group>{_GROUP})[ \t]*-?[ \t]*)?"
    rf"(?P<number>[A-Z]?\d{{1,3}})(?![\d]|\.\d)(?:[ \t]*\((?P<group2>{_GROUP})\))?"
)
_CODE_WORD: Final = re.compile("code")
_CARC_ITEM: Final = rf"(?:{_GROUP}[ \t]*-?[ \t]*)?[A-Z]?\d{{1,3}}(?![\d]|\.\d)"
# After the word "code": "code(s) (CARC): CO-50, 16 and 197".
_CODE_LIST_RE: Final = re.compile(
    r"(?i:codes?)(?:[ \t]*\((?i:carc)\))?[ \t]*[:#]?[ \t]*"
    rf"(?P<list>{_CARC_ITEM}(?:[ \t]*(?:,|;|&|/|(?i:and))[ \t]*{_CARC_ITEM})*)"
)
_CARC_ITEM_RE: Final = re.compile(
    rf"(?:(?P<group>{_GROUP})[ \t]*-?[ \t]*)?(?P<number>[A-Z]?\d{{1,3}})(?![\d]|\.\d)"
)
# The words before "code" that make it a reason code, and an optional "Group Code CO," ahead.
_REASON_BEFORE: Final = re.compile(
    r"(?:group[ \t]+code[ \t]*:?[ \t]*(?P<group>co|pr|oa|pi|cr)[ \t,;/]*(?:and[ \t]+)?)?"
    r"(?:(?:claim[ \t]+)?adjustment[ \t]+)?(?P<word>reason|denial|adjustment|adj\.?|\()[ \t]*$"
)
_RARC_RE: Final = re.compile(r"[MN](?:A\d{2,3}|\d{1,3})(?![A-Za-z0-9]|[.-]\d)")
# A RARC counts shortly after a CARC, or anywhere in the paragraph after a remark label (a
# "Remark" column header reaches down its table).
_RARC_REACH: Final = 150
_REMARK_REACH: Final = 1500
_RARC_WORDS: Final = tuple(re.compile(w) for w in ("remark", "rarc", "alert"))


@dataclass(slots=True)
class CodeFacts:
    """Codes in order of first appearance, the service's code lists, the provider's NPI and
    descriptions written in parentheses after procedure codes."""

    codes: list[DenialCode] = field(default_factory=list)
    cpt: list[str] = field(default_factory=list)
    hcpcs: list[str] = field(default_factory=list)
    diagnoses: list[str] = field(default_factory=list)
    npi: Found[str] | None = None
    procedure_descriptions: list[Found[str]] = field(default_factory=list)


class Collector:
    """Keeps each code once, remembering where it first appeared."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.found: dict[tuple[CodeType, str], tuple[int, DenialCode]] = {}
        self._grouped: set[str] = set()  # CARC numbers seen with a group

    def add(
        self, kind: CodeType, code: str, start: int, end: int, group: str | None = None
    ) -> None:
        """Record a code unless it is already known; "197" after "CO-197" is the same code."""
        key = (kind, f"{group}-{code}" if group else code)
        if key in self.found:
            return
        if kind is CodeType.CARC:
            if group is None and code in self._grouped:
                return
            if group is not None:
                self._grouped.add(code)
                self.found.pop((kind, code), None)  # "CO-197" after "197": keep the grouped form
        self.found[key] = (start, self._code(kind, code, start, end, group))

    def _code(
        self, kind: CodeType, code: str, start: int, end: int, group: str | None
    ) -> DenialCode:
        if kind in (CodeType.CARC, CodeType.RARC):
            description = table.describe(kind, code)
        elif kind is CodeType.ICD10CM:
            description = icd10.describe(code)
        else:
            description = None
        # Plain validation: pydantic-core checks these few fields faster than
        # `model_construct` runs its Python bookkeeping (the evidence is not re-validated).
        return DenialCode(
            code=f"{group}-{code}" if group else code,
            code_type=kind,
            description=description,
            group=group,
            evidence=self.doc.evidence(start, end),
        )

    def ordered(self) -> list[DenialCode]:
        """The codes in the order they first appear in the letter."""
        return [code for _, code in sorted(self.found.values(), key=lambda item: item[0])]


def _add_carc(out: Collector, number: str, group: str | None, start: int, end: int) -> None:
    if table.is_known_carc(number):
        out.add(CodeType.CARC, table.split_carc(number)[1], start, end, group)
    elif group is None and table.is_known_rarc(number):
        out.add(CodeType.RARC, table.normalize_rarc(number), start, end)


def carcs(doc: Doc, out: Collector) -> list[int]:
    """CARCs written with a group code, after "CARC", or after a reason-code label.

    Returns where grouped CARCs end: a RARC may follow them.
    """
    text = doc.text
    ends: list[int] = []
    for m in anchored(_GROUPED_RE, text):
        if m.start() == 0 or not text[m.start() - 1].isalnum():
            _add_carc(out, m.group("number"), m.group("group"), m.start(), m.end())
            ends.append(m.end())
    for hit in anchored(_CARC_WORD, doc.lower):
        label = _CARC_LABEL_RE.match(text, hit.start())
        if label is not None and (hit.start() == 0 or not text[hit.start() - 1].isalnum()):
            group = label.group("group") or label.group("group2")
            _add_carc(out, label.group("number"), group, label.start("number"), label.end("number"))
    for hit in anchored(_CODE_WORD, doc.lower):
        before = _REASON_BEFORE.search(doc.lower, max(0, hit.start() - 60), hit.start())
        listed = _CODE_LIST_RE.match(text, hit.start()) if before is not None else None
        if listed is None or before is None:
            continue
        if before.group("word") == "(" and not text.startswith(")", listed.end("list")):
            continue  # "(code 18)" must close right after the number
        outer = before.group("group")
        for item in _CARC_ITEM_RE.finditer(text, listed.start("list"), listed.end("list")):
            group = item.group("group") or (outer.upper() if outer else None)
            _add_carc(out, item.group("number"), group, item.start(), item.end())
    return ends


def rarcs(doc: Doc, out: Collector, carc_ends: list[int]) -> None:
    """RARCs after a remark label, or shortly after a CARC, in the same paragraph.

    After an explicit label ("Remark code N382") any RARC-shaped code is taken, even one our
    table lacks (remark codes are added every year); next to a CARC only codes in our table
    are, since a bare "N30"-like token there could be something else."""
    text = doc.text
    contexts = sorted(
        [(end, _RARC_REACH, False) for end in carc_ends]
        + [(h.end(), _REMARK_REACH, True) for w in _RARC_WORDS for h in anchored(w, doc.lower)]
    )
    # Each kind of context keeps its own high-water mark, so a CARC's short reach never hides
    # the labelled stretch after a "Remark" that starts inside it (and the scan stays linear).
    scanned = {False: 0, True: 0}
    for context, reach, labelled in contexts:
        start = max(context, scanned[labelled])
        end = min(len(text), context + reach)
        blank = text.find("\n\n", start, end)
        end = blank if blank >= 0 else end
        for m in _RARC_RE.finditer(text, start, end):
            previous = text[m.start() - 1] if m.start() > 0 else " "
            if previous.isalnum() or previous == "-":
                continue
            if labelled or table.is_known_rarc(m.group()):
                out.add(CodeType.RARC, m.group(), m.start(), m.end())
        scanned[labelled] = max(scanned[labelled], end)
