"""Procedure, diagnosis and provider codes: CPT, HCPCS Level II, ICD-10-CM and NPI.

A CPT/HCPCS code needs a procedure context: a "CPT"/"HCPCS"/"procedure code" label, a
"Services:" field, a procedure column of a remittance table, a service line opening with the
code, or parentheses right after a service's name ("MRI lumbar spine (72148)"). A letter plus
four digits is HCPCS even when labelled CPT. An ICD-10-CM code needs a diagnosis label or its
dotted form, and must be a real code. An NPI needs its label and a valid check digit. So ZIP
codes, P.O. boxes, phone numbers, IDs, amounts, dates and modifiers never become codes.
"""

from __future__ import annotations

import re
from typing import Final

from denialops.domain import icd10
from denialops.domain.facts import CodeType
from denialops.pipeline.facts.codes import CodeFacts, Collector, carcs, rarcs
from denialops.pipeline.facts.dates import DATE_RE
from denialops.pipeline.facts.document import Doc, anchored
from denialops.pipeline.facts.labels import Labelled
from denialops.pipeline.facts.tables import Table
from denialops.pipeline.facts.values import Found, words

# A listed code may carry a modifier, a unit count and a description in parentheses:
# "99214-25", "A0425 x 14 (ground mileage)".
_PROC: Final = (
    r"(?:\d{4}[0-9FTU]|[A-V]\d{4})(?![\w]|\.\d|,\d)(?:-[0-9A-Z]{2}\b)?"
    r"(?:[ \t]+x[ \t]*\d{1,3}\b)?(?:[ \t]*\([^()\n]{1,60}\))?"
)
_PROC_LIST: Final = rf"(?P<list>{_PROC}(?:(?:[ \t]*[,;&/][ \t]*|[ \t]+(?i:and|or)[ \t]+){_PROC})*)"
_CPT_WORDS: Final = tuple(re.compile(w) for w in ("cpt", "hcpcs"))
_CPT_RE: Final = re.compile(
    r"(?i:cpt|hcpcs)(?:[ \t]*(?:®|/[ \t]*(?i:cpt|hcpcs)|(?i:codes?)|#|(?i:no)\.?|(?i:numbers?)))*"
    rf"[ \t]*(?:[:#]|-(?!\d))?[ \t]*{_PROC_LIST}"
)
_CODE_WORD: Final = re.compile("code")
_PROC_BEFORE: Final = re.compile(
    r"(?:procedure|proc\.?|treatment|service|billing|billed|item|drug|supply)[ \t]+$"
)
_AFTER_CODE_RE: Final = re.compile(rf"(?i:codes?)[ \t]*(?:[:#]|-(?!\d))?[ \t]*{_PROC_LIST}")
_VALUE_LIST_RE: Final = re.compile(_PROC_LIST)
_PROC_TOKEN_RE: Final = re.compile(
    r"(?<![\w$.,/(-])(?P<code>\d{4}[0-9FTU]|[A-V]\d{4})(?![\w]|\.\d|,\d)"
)
_PAREN_PROC_RE: Final = re.compile(r"\((?P<code>\d{4}[0-9FTU]|[A-V]\d{4})\)")
_NOT_PROC_CONTEXT: Final = re.compile(
    r"(?i)zip|box|npi|member|claim|ref|\bid\b|account|policy|group|phone|fax|suite|ste\b|tax"
)
# A service line: a code opening the line, then a description ("   99203    New patient visit").
# Found from the column gap after the code (two spaces or a tab, then a capitalised word),
# which the scan skips to in C; the code is then read just before the gap.
# A gap is a whole run of spaces, taken at its start and possessively: tried from every space of
# a long run with backtracking, it made a line of 20,000 spaces take seconds (quadratic).
_COLUMN_GAPS: Final = (
    re.compile(r"(?<! ) {2,}+(?=[A-Z][A-Za-z-])"),
    re.compile(r"\t(?=[A-Z][A-Za-z-])"),
)
_CODE_BEFORE_GAP: Final = re.compile(
    r"(?<![\w$.,/(-])(?P<code>\d{4}[0-9FTU]|[A-V]\d{4})(?:-[0-9A-Z]{2})?$"
)
_LINE_ITEM_LEAD: Final = re.compile(
    r"[ \t]*(?:\d{1,2}[.)][ \t]+|[-•*][ \t]*)?(?:(?i:procedures?|services?|cpt|hcpcs|codes?)"
    r"[ \t]*:[ \t]+)?"
)
# Words that make a line's opening a sentence rather than a service's name.
_NOT_A_NAME: Final = frozenset(
    words("is are was were be requires required including for we you your our has have had not")
)
_OPENER_BEFORE: Final = re.compile(r"[ \t]*(?:\(|[-—][ \t])[ \t]*$")
_DESCRIPTION_AFTER: Final = re.compile(r"[ \t]*\((?P<desc>[^()\n]{3,100}?)\)")

_ICD: Final = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4}|[0-9A-Z]{1,4})?(?![\w]|\.\w)"
_DX_WORDS: Final = tuple(re.compile(w) for w in ("diag", "icd", "dx"))
_DX_RE: Final = re.compile(
    r"(?i:icd[ \t-]*10(?:[ \t-]*cm)?|diagnos[ie]s|dx|diag\.?)"
    r"(?:[ \t]+(?i:codes?|pointers?|billed|on[ \t]+claim|\(s\)))*[ \t]*(?:[:#]|-(?!\d))?[ \t]*"
    rf"(?P<list>{_ICD}(?:(?:[ \t]*[,;&/][ \t]*|[ \t]+(?i:and|or)[ \t]+){_ICD})*)"
)
_ICD_TOKEN_RE: Final = re.compile(rf"(?<![\w.-]){_ICD}")
_DOT_CODE: Final = re.compile(r"\.[0-9A-Z]{1,4}(?![\w]|\.\w)")
_ICD_HEAD: Final = re.compile(r"[A-Z]\d[0-9A-Z]")
_NOT_ICD_CONTEXT: Final = re.compile(
    r"(?i)\b(?:no|number|#|control|ref|id|section|policy|page|version|form|article|mp)\W*$"
)

_NPI_WORDS: Final = tuple(re.compile(w) for w in ("npi", "national provider identifier"))
_NPI_RE: Final = re.compile(
    r"(?i:npi|national[ \t]+provider[ \t]+identifier)(?:[ \t]+(?i:number|no\.?|#))?"
    r"(?:[ \t]+(?i:as[ \t]+submitted))?[ \t]*[:#]?[ \t]*(?P<npi>\d{10})(?!\d)"
)
_PREFERRED_NPI: Final = re.compile(r"(?i)rendering|servicing|provider|treating|attending")


def extract_codes(doc: Doc, tables: list[Table], labels: dict[str, list[Labelled]]) -> CodeFacts:
    """Every code in the letter, each once, plus the service's code lists and NPI."""
    out = Collector(doc)
    rarcs(doc, out, carcs(doc, out))
    descriptions = procedures(doc, tables, labels, out)
    diagnoses(doc, out)
    codes = out.ordered()
    facts = CodeFacts(codes=codes, procedure_descriptions=descriptions, npi=npi(doc))
    facts.cpt = [c.code for c in codes if c.code_type is CodeType.CPT]
    facts.hcpcs = [c.code for c in codes if c.code_type is CodeType.HCPCS]
    facts.diagnoses = [c.code for c in codes if c.code_type is CodeType.ICD10CM]
    return facts


def procedures(
    doc: Doc, tables: list[Table], labels: dict[str, list[Labelled]], out: Collector
) -> list[Found[str]]:
    """CPT and HCPCS codes; returns how the letter describes the service next to them: the
    name before "(CPT 62323)" and the words in parentheses after "CPT 72148 (...)"."""
    descriptions = _listed(doc, labels, out)
    text = doc.text
    for m in anchored(_PAREN_PROC_RE, text):
        # Only right after a name: "MRI lumbar spine (72148)", never "(Claim 12345)".
        prev = text[max(0, m.start() - 2) : m.start()]
        named = len(prev) == 2 and prev[1] == " " and (prev[0].isalpha() or prev[0] == ")")
        if named and not _NOT_PROC_CONTEXT.search(doc.before(m.start(), 40)):
            _add_procedure(out, m.group("code"), m.start("code"), m.end("code"))
    for gaps in _COLUMN_GAPS:
        for gap in anchored(gaps, text):
            item = _CODE_BEFORE_GAP.search(text, max(0, gap.start() - 9), gap.start())
            lead_start = doc.line_start(gap.start(), 60)
            if item is not None and _LINE_ITEM_LEAD.fullmatch(text, lead_start, item.start()):
                _add_procedure(out, item.group("code"), item.start("code"), item.end("code"))
    for t in tables:
        for start, end in t.column_cells("code") + t.column_cells("description"):
            for token in _PROC_TOKEN_RE.finditer(text, start, end):
                _add_procedure(out, token.group("code"), token.start(), token.end())
    return sorted(descriptions, key=lambda d: d.start)


def _listed(doc: Doc, labels: dict[str, list[Labelled]], out: Collector) -> list[Found[str]]:
    """Codes listed after "CPT", "procedure code" or a "Services:" label."""
    text = doc.text
    lists: list[re.Match[str]] = []
    for word in _CPT_WORDS:
        for hit in anchored(word, doc.lower):
            if hit.start() == 0 or not text[hit.start() - 1].isalnum():
                lists.extend(m for m in [_CPT_RE.match(text, hit.start())] if m)
    for hit in anchored(_CODE_WORD, doc.lower):
        if _PROC_BEFORE.search(doc.lower, max(0, hit.start() - 12), hit.start()):
            lists.extend(m for m in [_AFTER_CODE_RE.match(text, hit.start())] if m)
    for item in labels.get("service", ()):
        lists.extend(m for m in [_VALUE_LIST_RE.match(text, item.value_start)] if m)
    descriptions: list[Found[str]] = []
    for m in lists:
        described = False
        for token in _PROC_TOKEN_RE.finditer(text, m.start("list"), m.end("list")):
            _add_procedure(out, token.group("code"), token.start(), token.end())
            # "CPT 72148 (MRI lumbar spine)": the first described code names the service.
            after = None if described else _DESCRIPTION_AFTER.match(text, token.end())
            if after and any(c.isalpha() for c in after.group("desc")):
                desc = after.group("desc").strip()
                start = after.start("desc")
                descriptions.append(Found(desc, start, start + len(desc)))
                described = True
        name = _name_before(doc, m.start())
        if name is not None:
            descriptions.append(name)
    return descriptions


def _name_before(doc: Doc, pos: int) -> Found[str] | None:
    """ "Upper eyelid blepharoplasty (CPT 15823)", "Gastric bypass - CPT 43644": the words
    opening the line before a code in parentheses or after a dash name the service."""
    opener = _OPENER_BEFORE.search(doc.text, max(0, pos - 4), pos)
    if opener is None:
        return None
    start = doc.text.rfind("\n", max(0, pos - 100), pos) + 1
    if start == 0 and pos > 100:
        return None  # the line is long running text, not a service line
    raw = doc.text[start : opener.start()]
    name = raw.strip(" \t-*•")
    words = name.lower().replace(",", " ").split()
    if not name[:1].isupper() or not 1 <= len(words) <= 10 or _NOT_A_NAME.intersection(words):
        return None
    if ":" in name or ". " in name or DATE_RE.search(name):
        return None
    offset = start + raw.index(name)
    return Found(name, offset, offset + len(name), 2)


def _add_procedure(out: Collector, code: str, start: int, end: int) -> None:
    if code[0].isalpha():
        out.add(CodeType.HCPCS, code, start, end)
    elif code != "00000":
        out.add(CodeType.CPT, code, start, end)


def diagnoses(doc: Doc, out: Collector) -> None:
    """ICD-10-CM codes after a diagnosis label, and real codes in their dotted form anywhere."""
    text = doc.text
    for word in _DX_WORDS:
        for hit in anchored(word, doc.lower):
            if hit.start() > 0 and text[hit.start() - 1].isalnum():
                continue
            m = _DX_RE.match(text, hit.start())
            if m is None:
                continue
            for token in _ICD_TOKEN_RE.finditer(text, m.start("list"), m.end("list")):
                _add_icd(out, token.group(), token.start(), token.end())
    for dot in anchored(_DOT_CODE, text):
        start = dot.start() - 3
        if start < 0 or not _ICD_HEAD.match(text, start, dot.start()):
            continue
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in ".-"):
            continue
        if not _NOT_ICD_CONTEXT.search(doc.before(start, 25)):
            _add_icd(out, text[start : dot.end()], start, dot.end())


def normalize_icd(code: str) -> str | None:
    """`"M5450"` → `"M54.50"` when that is a real ICD-10-CM code; None otherwise."""
    bare = code.upper().replace(".", "")
    dotted = bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"
    return dotted if icd10.is_valid(dotted) else None


def _add_icd(out: Collector, raw: str, start: int, end: int) -> None:
    code = normalize_icd(raw)
    if code is not None:
        out.add(CodeType.ICD10CM, code, start, end)


def is_valid_npi(npi: str) -> bool:
    """The NPI check digit: Luhn over the number prefixed with the health-industry "80840"."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + npi)):
        digit = int(ch)
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def npi(doc: Doc) -> Found[str] | None:
    """The provider's NPI: a valid one after a rendering/provider label, else the first valid."""
    chosen: Found[str] | None = None
    for word in _NPI_WORDS:
        for hit in anchored(word, doc.lower):
            if hit.start() > 0 and doc.text[hit.start() - 1].isalnum():
                continue
            m = _NPI_RE.match(doc.text, hit.start())
            if m is None or not is_valid_npi(m.group("npi")):
                continue
            preferred = _PREFERRED_NPI.search(doc.line_prefix(m.start(), 60)) is not None
            found = Found(m.group("npi"), m.start("npi"), m.end("npi"), 0 if preferred else 1)
            if chosen is None or (found.rank, found.start) < (chosen.rank, chosen.start):
                chosen = found
    return chosen
