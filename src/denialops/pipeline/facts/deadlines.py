"""What the dates mean: the letter's own date, the date of service, the appeal deadline and
window.

A date's role comes from its label ("Date of service:", "Date of notice:") or from the few
words before it ("performed on", "no later than"). The appeal deadline is only ever a date the
letter states, or its own date plus a window it counts from that date ("within 180 days of
the date of this notice"); a window counted from receipt leaves the deadline unknown.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from denialops.pipeline.facts.dates import DateMatch
from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, Sieved, anchored
from denialops.pipeline.facts.labels import LABELS, Labelled
from denialops.pipeline.facts.sections import sentence_around
from denialops.pipeline.facts.values import Found, best, words

_WORD: Final = re.compile(r"[a-z]+(?:[-'][a-z]+)*|#")
_SERVICE_WORDS: Final = frozenset(
    words(
        "received rendered provided performed furnished administered dispensed done had admitted "
        "seen treated visit visited surgery procedure service services treatment test scan "
        "therapy stay mri ct x-ray care injection appointment"
    )
)
_HANDLING_WORDS: Final = frozenset(
    words(
        "paid processed adjudicated denied billed submitted filed claim request appeal letter "
        "records information form notice tests"
    )
)
_DEADLINE_ENDINGS: Final = (("by",), ("before",), ("than",), ("deadline",), ("deadline", "is"))
_WEEKDAYS: Final = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
)
_APPEAL_WORDS: Final = Sieved(
    r"(?i)appeal|grievance|reconsideration|dispute|request\s+(?:a\s+)?review|deadline"
)

_NUMBER_WORDS: Final = {
    "five": 5, "seven": 7, "ten": 10, "fourteen": 14, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty five": 45, "sixty": 60, "sixty five": 65, "ninety": 90,
    "one hundred twenty": 120, "one hundred eighty": 180, "one hundred and eighty": 180,
    "three hundred sixty five": 365,
}  # fmt: skip
_WORDS_ALT: Final = "|".join(
    w.replace(" ", r"[\s-]+") for w in sorted(_NUMBER_WORDS, key=len, reverse=True)
)
_DAY: Final = re.compile(r"days?\b")
# The number in front of "days", read backwards from the anchor.
_DAYS_BEFORE: Final = re.compile(
    rf"(?:\b(?P<word>{_WORDS_ALT})(?:\s*\(\s*(?P<paren>\d{{1,3}})\s*\))?"
    r"|\(?\b(?P<num>\d{1,3})\)?)"
    r"[\s-]{0,3}(?P<kind>(?:calendar|business|working)[\s-]{1,3})?$",
    re.IGNORECASE,
)
_NOT_WINDOW: Final = Sieved(
    r"(?i)\bwe\s+will\b|\bwe\s+(?:must|have\s+to)\s+(?:decide|respond)"
    r"|\b(?:make|send|issue|reach)\s+(?:a|our)\s+decision|\bexpedited|\bhours\b"
    r"|benefits\s+(?:may|will)\s+continue|continue\s+(?:your|to\s+get)|peer[\s-]+to[\s-]+peer"
    r"|\btests?\s+within|\bvisits?\b|\b(?:the|your)\s+(?:provider|doctor|physician)\s+(?:has"
    r"|must|should)\b|\bmore\s+than\b|\bafter\s+the\s+date\s+of\s+service"
)
_FILING_WORDS: Final = Sieved(
    r"(?i)\b(?:submit|resubmit|file|filed|send|request|ask)\b|\bmust\s+be\s+(?:received"
    r"|submitted|filed|postmarked)|\b(?:corrected|replacement)\s+claims?"
)
_CLAUSE_END: Final = re.compile(
    r"[,;]|\b\d{1,3}[\s-]+(?:calendar\s+|business\s+)?days?\b", re.IGNORECASE
)
_RECEIPT: Final = re.compile(r"(?i)\breceiv|\breceipt|\byou\s+get\b")
_FROM_LETTER: Final = re.compile(
    r"(?i)^[\s)]*(?:(?:of|from|after|following)\s+(?:the\s+)?(?:date\s+(?:of|on)\s+)?"
    r"(?:this|the|our)\s+(?:letter|notice|denial|determination|decision|statement"
    r"|remittance|explanation\s+of\s+benefits|eob|ra|adverse)"
    r"|(?:of|from|after)\s+(?:the\s+)?(?:notice|letter|denial|statement|remittance|remit"
    r"|ra(?:\s+issue)?|eob|payment|processed|check|production|issue|run)\s+date)"
)
# Windows counted from the date of service are filing limits, not the time to act now.
_FROM_SERVICE: Final = re.compile(
    r"(?i)^[\s)]*(?:of|from|after)\s+(?:the\s+)?dates?\s+of\s+service"
)


@dataclass(slots=True)
class DateFacts:
    """What the date pass found: one best candidate per field."""

    date_of_denial: Found[str] | None = None
    date_of_service: Found[str] | None = None
    appeal_deadline: Found[str] | None = None
    appeal_window_days: Found[int] | None = None


def extract_dates(
    doc: Doc,
    dates: list[DateMatch],
    labels: dict[str, list[Labelled]],
    table_dos: Found[str] | None,
) -> DateFacts:
    """Give each date its role and pick the best candidate for each date field."""
    found: dict[str, list[Found[str]]] = {"notice": [], "dos": [], "deadline": []}
    labelled: set[int] = set()
    starts = [d.start for d in dates]
    for kind in found:
        for item in labels.get(kind, ()):
            i = bisect_left(starts, item.value_start)
            if i < len(dates) and dates[i].start < item.value_end:
                d = dates[i]
                labelled.add(d.start)
                found[kind].append(Found(d.value.isoformat(), d.start, d.end, item.rank))
    previous_end = 0
    for d in dates:
        if d.start not in labelled:
            role = _role(doc, d, previous_end)
            if role is not None:
                kind, rank = role
                found[kind].append(Found(d.value.isoformat(), d.start, d.end, rank))
        previous_end = d.end
    if table_dos is not None:
        found["dos"].append(table_dos)
    facts = DateFacts(
        date_of_denial=best(found["notice"]),
        date_of_service=best(found["dos"]),
        appeal_deadline=best(found["deadline"]),
    )
    _appeal_window(doc, facts)
    return facts


def _role(doc: Doc, d: DateMatch, previous_end: int) -> tuple[str, int] | None:
    """The role the words right before an unlabelled date give it, with a rank."""
    floor = max(previous_end, doc.paragraph_start(d.start, 100))
    words = _WORD.findall(doc.lower[floor : d.start])[-10:]
    role = _cued_role(doc, d, words) if words else None
    if role is None and _is_standalone_top(doc, d):
        return ("notice", 2)
    return role


def _cued_role(doc: Doc, d: DateMatch, words: list[str]) -> tuple[str, int] | None:
    for size in (4, 3, 2, 1):  # an unpunctuated label: "Date of service 01/05/2024"
        phrase = " ".join(words[-size:]) if len(words) >= size else ""
        if size == 1 and phrase != "dos":
            continue  # a lone "date" or "processed" in prose is not a label
        hit = LABELS.get(phrase)
        if hit is not None and hit[0] in ("dos", "notice", "deadline"):
            return (hit[0], 1 if hit[0] != "notice" else 2)
    if words[-1] in ("on", "dated"):
        return _narrative_service(words[:-1])
    if any(tuple(words[-len(e) :]) == e for e in _DEADLINE_ENDINGS):
        s, e = sentence_around(doc, d.start)
        return ("deadline", 1) if _APPEAL_WORDS.found(doc.text, doc.lower, s, e) else None
    return None


def _narrative_service(words: list[str]) -> tuple[str, int] | None:
    """ "services received on", "the surgery you had on": a date of service. "We received
    your claim on", "paid on": not."""
    recent = words[-9:]
    for i in range(len(recent) - 1, -1, -1):
        if recent[i] in _HANDLING_WORDS:
            return None
        if recent[i] in _SERVICE_WORDS:
            return ("dos", 2)
    return None


def _is_standalone_top(doc: Doc, d: DateMatch) -> bool:
    """A date alone on its line near the top of page one: the letter's own date."""
    if d.start > min(doc.first_page_end, 1200):
        return False
    start, end = doc.line_at(d.start)
    line = doc.lower[start:end]
    rest = (line[: d.start - start] + line[d.end - start :]).strip(" \t,.")
    return not rest or rest in _WEEKDAYS


def _appeal_window(doc: Doc, facts: DateFacts) -> None:
    """Fill `appeal_window_days` and, when counted from the letter's own date, the deadline.

    A window counts when its own clause speaks of an appeal (best) or of filing/sending
    something; windows inside parentheses, counted from the date of service (filing limits)
    or describing what the payer or the provider will do are skipped.
    """
    candidates: list[tuple[Found[int], bool, bool]] = []
    previous_end = 0
    for anchor in anchored(_DAY, doc.lower, limit=FIRST_CANDIDATES):
        m = _DAYS_BEFORE.search(doc.text, max(0, anchor.start() - 40), anchor.start())
        if m is None:
            continue
        clause_floor, previous_end = previous_end, anchor.end()
        days = _days_value(m)
        if days is None or not 1 <= days <= 730:
            continue
        s, e = sentence_around(doc, m.start())
        before = doc.text[max(s, clause_floor, m.start() - 160) : m.start()]
        tail = doc.text[anchor.end() : e]
        after = _CLAUSE_END.split(tail, maxsplit=1)[0]
        if before.count("(") > before.count(")") or _FROM_SERVICE.match(tail):
            continue
        clause = before + " " + after
        if _APPEAL_WORDS.found(clause):
            rank = 0
        elif _FILING_WORDS.found(clause):
            rank = 1
        else:
            continue
        # Last, as it is the costliest test (a long case-blind regex over the whole sentence).
        if _NOT_WINDOW.found(doc.text, doc.lower, s, e):
            continue
        from_letter = bool(_FROM_LETTER.search(tail)) and not _RECEIPT.search(tail[:80])
        kind = (m.group("kind") or "").lower()
        business = kind.startswith(("bus", "work"))
        candidates.append((Found(days, m.start(), anchor.end(), rank), from_letter, business))
        if rank == 0:
            break  # the first appeal window is the one that counts
    if not candidates:
        return
    window, from_letter, business = min(candidates, key=lambda c: (c[0].rank, c[0].start))
    facts.appeal_window_days = window
    letter = facts.date_of_denial
    if facts.appeal_deadline is None and from_letter and letter is not None and not business:
        due = date.fromisoformat(letter.value) + timedelta(days=window.value)
        # Derived, not quoted: its evidence is the window phrase that defines it.
        facts.appeal_deadline = Found(due.isoformat(), window.start, window.end, 5)


def _days_value(m: re.Match[str]) -> int | None:
    if m.group("num"):
        return int(m.group("num"))
    if m.group("paren"):
        return int(m.group("paren"))
    word = " ".join(re.split(r"[\s-]+", m.group("word").lower()))
    return _NUMBER_WORDS.get(word)
