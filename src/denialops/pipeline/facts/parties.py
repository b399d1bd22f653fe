"""The issuing payer: its name, the plan's name and the plan type.

The payer is the one that wrote the letter: an explicit "Payer:" label, the letterhead, the
signature block, or "your <payer> plan" in that order. Another payer named in the body
("Medicare is primary", "your prior insurer Aetna") is never taken, because those places are
the only ones looked at. The plan type is reported only when the letter states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, Sieved, anchored
from denialops.pipeline.facts.labels import Labelled
from denialops.pipeline.facts.values import Found, best, words

KNOWN_PAYERS: Final = (
    r"aetna|cigna|humana|anthem|united[ \t]*health[ \t]*care|\buhc\b|blue[ \t]*cross"
    r"(?:[ \t]*(?:and[ \t]+|&[ \t]*)?blue[ \t]*shield)?|blue[ \t]*shield|\bbcbs\w*|kaiser"
    r"(?:[ \t]+permanente)?|molina|centene|ambetter|wellcare|highmark|\boscar\b|tricare"
    r"|carefirst|premera|regence|florida[ \t]+blue|horizon|excellus|emblem[ \t]*health|oxford"
    r"|harvard[ \t]+pilgrim|tufts|\bmedica\b|healthpartners|priority[ \t]+health|geisinger"
    r"|\bupmc\b|wellmark|amerigroup|caresource|devoted[ \t]+health|health[ \t]+net|sentara"
    r"|select[ \t]*health|fidelis|healthfirst|optum"
)
_KNOWN_RE: Final = Sieved(KNOWN_PAYERS)
_ORG_WORDS: Final = Sieved(
    r"(?i)\b(?:health|healthcare|insurance|plans?|care|blue\w*|mutual|assurance|benefits?"
    r"|cross|shield|alliance|cooperative|co-op|partners|program|medicaid|medicare|advantage"
    r"|administrators?|company|inc|llc|corp(?:oration)?|group|network|life|hmo|ppo|epo)\b"
)
_GENERIC_WORDS: Final = frozenset(
    words(
        "the a an insurance company health plan plans care your our claims claim department dept "
        "medical review services service team unit center office member members provider appeals "
        "appeal grievance grievances utilization management processing customer correspondence "
        "relations division inc llc"
    )
)
_DEPARTMENT_TAIL: Final = re.compile(
    r"(?i)(?:[ \t,]+(?:claims?|medical|review|department|dept\.?|team|unit|appeals?|grievances?"
    r"|utilization|management|processing|services?|member|customer|provider|relations"
    r"|correspondence|adjudication|division|center|office|&|and))+$"
)
_TITLE_WORDS: Final = re.compile(
    r"(?i)\b(?:notice|denial|determination|explanation|remittance|advice|statement|important"
    r"|urgent|claim|appeal|letter|re|dear|to|attn|date|page|notification)\b"
)
_NAME_CUT: Final = re.compile(r"[ \t]+(?:-|—|\(|·|•|\|)[ \t]*|,[ \t]")
_CLOSING_WORDS: Final = tuple(
    re.compile(w) for w in ("sincerely", "regards", "respectfully", "thank you")
)
_CLOSING_LINE: Final = re.compile(
    r"(?i)[ \t]*(?:sincerely|regards|best[ \t]+regards|respectfully|thank[ \t]+you)[ \t]*,?[ \t]*"
)
_BODY_WORDS: Final = tuple(re.compile(w) for w in ("your ", "our ", "being a"))
_BODY_RE: Final = re.compile(
    rf"(?i)(?:your|our)[ \t]+(?P<name>{KNOWN_PAYERS})[ \t]+(?:health[ \t]+)?"
    r"(?:plan|policy|coverage|benefits|membership)\b"
    rf"|being[ \t]+an?[ \t]+(?P<name2>{KNOWN_PAYERS})[ \t]+member\b"
)

_PLAN_TYPE_RE: Final = re.compile(
    r"(?i:medicare[ \t]+advantage|medicaid[ \t]+managed[ \t]+care|medicare[ \t]+supplement"
    r"|medigap|high[ \t-]+deductible[ \t]+health[ \t]+plan|point[ \t]+of[ \t]+service"
    r"|exclusive[ \t]+provider[ \t]+organization|preferred[ \t]+provider[ \t]+organization"
    r"|health[ \t]+maintenance[ \t]+organization|(?:medicaid[ \t]+)?fee[ \t-]+for[ \t-]+service)"
    r"|\b(?:HMO-POS|HMO|PPO|EPO|HDHP|PFFS|D-SNP|C-SNP"
    r"|POS(?=[ \t]+(?:plan|II)\b|[ \t]*(?:\)|\n|$)))\b"
)
_PLAN_TYPE_NAMES: Final = {
    "medicare advantage": "Medicare Advantage",
    "medicaid managed care": "Medicaid managed care",
    "medicare supplement": "Medicare Supplement",
    "medigap": "Medigap",
    "high deductible health plan": "HDHP",
    "high-deductible health plan": "HDHP",
    "point of service": "POS",
    "exclusive provider organization": "EPO",
    "preferred provider organization": "PPO",
    "health maintenance organization": "HMO",
}
# Where a stated plan type is looked for, as literals: acronyms as written, phrases lower-cased.
_TYPE_ACRONYMS: Final = tuple(
    re.compile(w) for w in ("HMO", "PPO", "EPO", "POS", "HDHP", "PFFS", "SNP")
)
_TYPE_PHRASES: Final = tuple(
    re.compile(w)
    for w in (
        "medicare advantage",
        "medicaid managed care",
        "medicare supplement",
        "medigap",
        "fee-for-service",
        "fee for service",
        "point of service",
        "provider organization",
        "maintenance organization",
        "deductible health plan",
    )
)
_PLAN_NARRATIVE_RE: Final = re.compile(
    r"your[ \t]+(?P<value>(?:[A-Z][\w+&-]*[ \t]+){0,3}(?:HMO|PPO|EPO|POS|HDHP)"
    r"(?:[ \t]+[A-Z][\w+&-]*){0,2})[ \t]+plan\b"
)


@dataclass(slots=True)
class PayerFacts:
    """Best candidate per payer field."""

    name: Found[str] | None = None
    plan_name: Found[str] | None = None
    plan_type: Found[str] | None = None
    letterhead_end: int = 0


def extract_payer(doc: Doc, labels: dict[str, list[Labelled]]) -> PayerFacts:
    """The issuing payer's name, plan name and plan type."""
    facts = PayerFacts()
    names: list[Found[str]] = []
    for item in labels.get("payer", ()):
        cleaned = _clean_name(doc.text[item.value_start : item.value_end])
        if cleaned:
            names.append(Found(cleaned, item.value_start, item.value_start + len(cleaned), 0))
            break
    letterhead = _letterhead(doc)
    if letterhead is not None:
        names.append(letterhead)
        facts.letterhead_end = letterhead.end
    names.extend(_signature(doc))
    if not names:
        names.extend(_body_mention(doc))
    facts.name = best(names)
    facts.plan_name = _plan_name(doc, labels)
    facts.plan_type = _plan_type(doc, facts.plan_name)
    return facts


def _clean_name(raw: str) -> str:
    """Cut a letterhead line to the organisation's name and reject generic names."""
    name = _NAME_CUT.split(raw.strip(), maxsplit=1)[0].strip(" \t.,;:")
    name = _DEPARTMENT_TAIL.sub("", name).strip(" \t.,;:")
    words = [w.lower().strip(".,&") for w in name.split()]
    if not words or all(w in _GENERIC_WORDS for w in words) or len(name) > 70:
        return ""
    if not any(c.isalpha() for c in name) or any(c.isdigit() for c in name):
        return ""
    return name


def _is_org_line(line: str) -> bool:
    # Cheapest test first: the known-payer alternation costs several times the other two.
    if _TITLE_WORDS.search(line):
        return False
    return _ORG_WORDS.found(line) or _KNOWN_RE.found(line)


def _letterhead(doc: Doc) -> Found[str] | None:
    """The first line of page one, when it reads as an organisation's name."""
    text = doc.text
    start = 0
    while start < min(len(text), 200) and text[start] in " \t\n":
        start += 1
    end = doc.line_end(start, 120)
    line = text[start:end]
    head = _NAME_CUT.split(line.strip(), maxsplit=1)[0]
    if ":" in head or not _is_org_line(head):
        return None
    name = _clean_name(line)
    if not name:
        return None
    offset = start + (len(line) - len(line.lstrip()))
    return Found(name, offset, offset + len(name), 1)


def _signature(doc: Doc) -> list[Found[str]]:
    """The organisation signing after "Sincerely,": skips department-only lines."""
    hits = sorted(
        h.start()
        for word in _CLOSING_WORDS
        for h in anchored(word, doc.lower, limit=FIRST_CANDIDATES)
    )
    for pos in hits:
        line_start, line_end = doc.line_at(pos)
        if not _CLOSING_LINE.fullmatch(doc.text, line_start, line_end):
            continue
        block = doc.after(line_end, 300)
        offset = line_end
        for line in block.split("\n")[1:6]:
            name = _clean_name(line) if line.strip() and _is_org_line(line) else ""
            if name:
                start = offset + 1 + line.index(name)
                return [Found(name, start, start + len(name), 2)]
            offset += len(line) + 1
    return []


def _body_mention(doc: Doc) -> list[Found[str]]:
    """ "your Aetna health plan", "being a Piedmont member": the payer the reader has."""
    hits = sorted(
        h.start() for word in _BODY_WORDS for h in anchored(word, doc.lower, limit=FIRST_CANDIDATES)
    )
    for pos in hits:
        if pos > 0 and doc.text[pos - 1].isalnum():
            continue
        m = _BODY_RE.match(doc.text, pos)
        if m is not None:
            group = "name" if m.group("name") else "name2"
            return [Found(m.group(group), m.start(group), m.end(group), 3)]
    return []


def _plan_name(doc: Doc, labels: dict[str, list[Labelled]]) -> Found[str] | None:
    for item in labels.get("plan", ()):
        value = doc.text[item.value_start : item.value_end].strip(" \t.,;")
        if value and any(c.isalpha() for c in value) and not value.lower().startswith("type"):
            return Found(value, item.value_start, item.value_start + len(value), 0)
    for hit in anchored(_BODY_WORDS[0], doc.lower, limit=FIRST_CANDIDATES):
        m = _PLAN_NARRATIVE_RE.match(doc.text, hit.start())
        if m is not None:
            return Found(m.group("value"), m.start("value"), m.end("value"), 1)
    return None


def _plan_type(doc: Doc, plan_name: Found[str] | None) -> Found[str] | None:
    """The plan type as stated: in the plan's name first, else its first mention."""
    if plan_name is not None:
        m = _PLAN_TYPE_RE.search(doc.text, plan_name.start, plan_name.end)
        if m is not None:
            return Found(_canonical_type(m.group()), m.start(), m.end(), 0)
    first: re.Match[str] | None = None
    for literals, haystack in ((_TYPE_ACRONYMS, doc.text), (_TYPE_PHRASES, doc.lower)):
        for literal in literals:
            for hit in anchored(literal, haystack):
                if first is not None and hit.start() >= first.start():
                    break
                window = _PLAN_TYPE_RE.finditer(doc.text, max(0, hit.start() - 24), hit.end() + 30)
                m = next((w for w in window if w.start() <= hit.start() < w.end()), None)
                if m is not None:
                    first = m
                    break
    if first is None:
        return None
    return Found(_canonical_type(first.group()), first.start(), first.end(), 1)


def _canonical_type(raw: str) -> str:
    key = " ".join(raw.lower().split())
    return _PLAN_TYPE_NAMES.get(key, raw.upper() if raw.isupper() else raw)
