"""How to reach the payer: phone, fax, mailing address, email, website.

Numbers are classified from the words right before them. Appeals lines beat member-services
lines beat bare "Phone:" lines; a regulator's (Department of Insurance, ombudsman, EBSA, fair
hearing office, 1-800-MEDICARE), a language-help line or a TTY-only number is never the
payer's phone. Values are kept as the letter writes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, anchored
from denialops.pipeline.facts.values import Found, best

PHONE_RE: Final = re.compile(
    r"(?<![\w$.])(?:\+?1[ \t.-]?)?(?:\(\d{3}\)[ \t]?|\d{3}[ \t.-])\d{3}[ \t.-]\d{4}(?![\d])"
)
# Matched against lower-cased text: a regulator's, a helper's or a language line's number.
_EXCLUDED: Final = re.compile(
    r"department\s+of\s+(?:insurance|managed\s+health|labor|health\s+and\s+human)"
    r"|insurance\s+(?:department|commissioner|division)|bureau\s+of\s+insurance|ombudsman"
    r"|commissioner|administrative\s+hearings?|fair\s+hearing|benefits\s+security|\bebsa\b"
    r"|1-800-medicare|call\s+medicare|medicare\s+at\b|consumer\s+(?:assistance"
    r"|services\s+division)|smart\s+nc|attorney\s+general|help\s+(?:center|desk)"
    r"|no\s+surprises|healthcare\.gov|independent\s+review|external\s+review|language"
    r"|interpret|espa[nñ]ol|atenci[oó]n|llame|appelez|fran[cç]ais|ling[uü]|注意|請致電|regulator"
)
_TTY: Final = re.compile(r"\b(?:tty|tdd|hearing[\s-]+impaired|relay)\b")
# What the words before a number say it is, as lower-case literals (cheap to look for).
_KEYWORDS: Final = (
    ("fax", ("fax", "facsimile")),
    ("appeal", ("appeal", "grievance", "reconsideration", "dispute")),
    (
        "service",
        (
            "member service", "customer service", "customer care", "provider service",
            "provider relations", "provider inquir", "provider phone", "questions", "call us",
            "contact us", "care center", "payer contact", "help",
        ),
    ),
    (
        "phone",
        ("phone", "tel ", "tel:", "tel.", "telephone", "call", "toll-free", "toll free", " at "),
    ),
)  # fmt: skip
EMAIL_RE: Final = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,5}"
    r"\.[A-Za-z]{2,12}\b"
)
WEBSITE_RE: Final = re.compile(
    r"(?<![\w@./-])(?:(?:https?://)(?:[A-Za-z0-9-]{1,63}\.){1,5}[A-Za-z]{2,12}"
    r"|(?:www\.)(?:[A-Za-z0-9-]{1,63}\.){1,5}[A-Za-z]{2,12}"
    r"|(?:[A-Za-z0-9-]{1,63}\.){1,5}(?:com|org|net|gov|edu|us|health|info|biz|io|care|example))"
    r"\b(?![@-])(?:/[\w./%?=&#~-]*[\w/])?",
    re.IGNORECASE,
)
# Anchors: the last four digits of a phone number, an "@", a web address's ending.
_PHONE_TAIL: Final = re.compile(r"[-.]\d{4}(?!\d)")
_AT: Final = re.compile("@")
_TLD: Final = re.compile(r"\.(?:com|org|net|gov|edu|us|health|info|biz|io|care|example)\b")
_TRIGGER_WORDS: Final = tuple(
    re.compile(w)
    for w in ("write", "mail", "send", "submit", "return", "appeal", "grievance", "address")
)
_ZIP_LINE: Final = re.compile(r"\b[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?\b")
_ADDRESS_TRIGGER_RE: Final = re.compile(
    r"(?i)(?:(?:write|mail|send|submit|return)\w*\b[^.:]{0,160}?\bto\b|(?:appeals?|grievances?)"
    r"(?:[ \t]+(?:mailing[ \t]+)?address)?[ \t]*:|mail(?:ing)?(?:[ \t]+address)?[ \t]*:"
    r"|address[ \t]*:)[ \t]*:?"
)
_ADDRESS_START: Final = re.compile(r"(?i)\d|p\.?\s*o\.?\s+box|box\s+\d")
_APPEAL_CONTEXT: Final = re.compile(r"(?i)appeal|grievance|reconsideration|dispute|request")
_SEGMENT_SPLIT: Final = re.compile(r"[ \t]+[·•|][ \t]+")


@dataclass(slots=True)
class ContactFacts:
    """Best candidate per contact field."""

    phone: Found[str] | None = None
    fax: Found[str] | None = None
    address: Found[str] | None = None
    email: Found[str] | None = None
    website: Found[str] | None = None


def extract_contacts(doc: Doc, letterhead_end: int) -> ContactFacts:
    """Phone, fax, address, email and website of the payer."""
    facts = ContactFacts()
    phones, faxes = _numbers(doc)
    facts.phone, facts.fax = best(phones), best(faxes)
    facts.address = _appeal_address(doc) or _letterhead_address(doc, letterhead_end)
    facts.email = _first_allowed(doc, _around(doc, _AT, EMAIL_RE, doc.text))
    facts.website = _first_allowed(doc, _around(doc, _TLD, WEBSITE_RE, doc.lower))
    return facts


def _around(
    doc: Doc, anchor: re.Pattern[str], pattern: re.Pattern[str], haystack: str
) -> Iterator[re.Match[str]]:
    """Matches of `pattern` that contain an `anchor` hit, read in a window around the hit."""
    last_end = -1
    for hit in anchored(anchor, haystack):
        if hit.start() < last_end:
            continue
        for m in pattern.finditer(doc.text, max(0, hit.start() - 80), hit.end() + 120):
            if m.start() <= hit.start() < m.end():
                last_end = m.end()
                yield m
                break


def _phone_numbers(doc: Doc) -> Iterator[re.Match[str]]:
    """Phone numbers, found from their last four digits."""
    last_end = -1
    for tail in anchored(_PHONE_TAIL, doc.text, limit=FIRST_CANDIDATES):
        m = PHONE_RE.search(doc.text, max(0, tail.start() - 14), tail.end())
        if m is not None and m.end() == tail.end() and m.start() >= last_end:
            last_end = m.end()
            yield m


def _numbers(doc: Doc) -> tuple[list[Found[str]], list[Found[str]]]:
    phones: list[Found[str]] = []
    faxes: list[Found[str]] = []
    previous_end = 0
    low = doc.lower
    for m in _phone_numbers(doc):
        line_start = doc.line_start(m.start())
        near_start = max(line_start, previous_end)
        previous_end = m.end()
        sentence_start = _sentence_start(doc, m.start())
        block_start = doc.line_start(max(0, line_start - 1), 200)
        near, block = low[near_start : m.start()], low[block_start : m.start()]
        sentence = low[sentence_start : m.start()]
        last = _last_keyword(near) or _last_keyword(block)
        if last == "fax":
            faxes.append(Found(m.group(), m.start(), m.end(), _rank(sentence + block)))
            continue
        if _TTY.search(near) or _EXCLUDED.search(near) or _EXCLUDED.search(sentence):
            continue
        phones.append(Found(m.group(), m.start(), m.end(), _rank(near + " " + block + sentence)))
    return phones, faxes


def _sentence_start(doc: Doc, pos: int) -> int:
    floor = doc.paragraph_start(pos, 200)
    window = doc.text[floor:pos]
    cut = max(window.rfind(". "), window.rfind(".\n"))
    return floor + cut + 2 if cut >= 0 else floor


def _last_keyword(low: str) -> str | None:
    """The kind of the keyword nearest the end of `low` (lower-cased), if any."""
    kind: str | None = None
    nearest = -1
    for name, words in _KEYWORDS:
        for word in words:
            found = low.rfind(word)
            if found > nearest:
                kind, nearest = name, found
    return kind


def _rank(low: str) -> int:
    """Appeals lines first, then member/customer service, then any phone line."""
    for rank, (_, words) in enumerate(_KEYWORDS[1:]):
        if any(word in low for word in words):
            return rank
    return 3


def _appeal_address(doc: Doc) -> Found[str] | None:
    """An address after "write to", "Mail:", "Appeals:" ..., ending at a ZIP code."""
    hits = sorted(
        h.start()
        for word in _TRIGGER_WORDS
        for h in anchored(word, doc.lower, limit=FIRST_CANDIDATES)
    )
    for pos in hits:
        if pos > 0 and doc.text[pos - 1].isalnum():
            continue
        m = _ADDRESS_TRIGGER_RE.match(doc.text, pos)
        if m is None:
            continue
        context = doc.text[doc.paragraph_start(m.start(), 300) : m.end()]
        if not _APPEAL_CONTEXT.search(context):
            continue
        found = _address_after(doc, m.end())
        if found is not None:
            return found
    return None


def _address_after(doc: Doc, pos: int) -> Found[str] | None:
    window = doc.after(pos, 220)
    zip_match = _ZIP_LINE.search(window)
    if zip_match is None:
        return None
    raw = window[: zip_match.end()]
    if "\n\n" in raw.strip("\n") or not _ADDRESS_START.search(raw) or PHONE_RE.search(raw):
        return None
    lead = len(raw) - len(raw.lstrip(" \t\n:"))
    # An address that starts on the trigger's own line is prose wrapped mid-address; one that
    # starts on a new line is a block with one part per line.
    value = _join_lines(raw[lead:], block="\n" in raw[:lead])
    if len(value) < 10:
        return None
    return Found(value, pos + lead, pos + len(raw), 0)


def _letterhead_address(doc: Doc, letterhead_end: int) -> Found[str] | None:
    """The address printed under the letterhead, if the letter has one."""
    if letterhead_end <= 0:
        return None
    head_end = doc.text.find("\n\n", letterhead_end, letterhead_end + 400)
    head = doc.text[letterhead_end : head_end if head_end >= 0 else letterhead_end + 400]
    zip_match = _ZIP_LINE.search(head)
    if zip_match is None:
        return None
    zip_line_start = head.rfind("\n", 0, zip_match.start()) + 1
    start = zip_line_start
    for _ in range(2):  # a street or P.O. Box line right above the city line
        prev_start = head.rfind("\n", 0, max(0, start - 1)) + 1
        prev_line = head[prev_start : start - 1]
        if start == 0 or not _ADDRESS_START.match(prev_line.strip()):
            break
        start = prev_start
    block = head[start : zip_match.end()]
    segments = _SEGMENT_SPLIT.split(block)
    keep = next((i for i, s in enumerate(segments) if _ADDRESS_START.match(s.strip())), None)
    if keep is None:
        return None
    offset = start + block.index(segments[keep])
    raw = head[offset : zip_match.end()]
    value = _join_lines(" · ".join(segments[keep:]).replace(" · ", ", "))
    return Found(value, letterhead_end + offset, letterhead_end + offset + len(raw), 1)


def _join_lines(raw: str, block: bool = True) -> str:
    """Address lines joined into one line: with commas for a block address (one part per
    line), with spaces for prose wrapped mid-address; never two commas in a row."""
    lines = [line.strip(" \t") for line in raw.strip().split("\n") if line.strip()]
    out = lines[0] if lines else ""
    for line in lines[1:]:
        out += " " + line if out.endswith(",") or not block else ", " + line
    return " ".join(out.split())


def _first_allowed(doc: Doc, matches: Iterator[re.Match[str]]) -> Found[str] | None:
    """The first match whose surroundings are not a regulator's or a language line."""
    candidates: list[Found[str]] = []
    for m in matches:
        value = m.group().rstrip(".")
        if value.lower().endswith(".gov") or "medicare.gov" in value.lower():
            continue
        sentence = doc.lower[_sentence_start(doc, m.start()) : m.start()]
        if _EXCLUDED.search(sentence):
            continue
        rank = 0 if _APPEAL_CONTEXT.search(sentence) or "appeal" in value.lower() else 1
        candidates.append(Found(value, m.start(), m.start() + len(value), rank))
        if rank == 0:
            break
    return best(candidates)
