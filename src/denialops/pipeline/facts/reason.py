"""The stated reason for the denial, and a one-sentence plain-English summary of it.

The reason is the letter's own words: the passage after a "Reason for denial:"-style label or
heading, else the sentences around "denied because" / "was denied", else the explanation
printed next to the first denial code. Appeal-rights, language-help and contact sentences are
never part of it. The summary is a fixed template filled only with facts already extracted
(payer, service, the reason's key sentence, CARC codes and their table descriptions), so it
can never say anything the facts do not.
"""

from __future__ import annotations

import re
from typing import Final

from denialops.domain import codes as table
from denialops.domain.codes import CodeKind
from denialops.domain.facts import CodeType, DenialCode
from denialops.pipeline.facts.document import FIRST_CANDIDATES, Doc, Sieved, anchored, squash
from denialops.pipeline.facts.sections import (
    is_boilerplate,
    is_heading,
    sentence_spans,
    split_sentences,
    starts_with_label,
)
from denialops.pipeline.facts.values import Found, best

_LABEL_WORDS: Final = tuple(
    re.compile(w)
    for w in (
        "reason", "why", "explanation", "decision", "determination", "basis", "rationale",
        "remark", "notes", "messages", "denial",
    )
)  # fmt: skip
_LABEL_RE: Final = re.compile(
    r"(?i)[ \t]*(?:[-*•][ \t]*)?(?:"
    r"(?P<r0>reasons?[ \t]+for[ \t]+(?:the[ \t]+|this[ \t]+|our[ \t]+)?(?:denial|decision"
    r"|determination|non-?payment|adjustment)|denial[ \t]+reasons?|reason|why\b[^\n:?]{0,40}\?|why"
    r"|why[ \t]+(?:did[ \t]+)?we[ \t]+(?:den(?:y|ied)|did[ \t]+not[ \t]+pay)[^\n:?]{0,30}"
    r"|why[ \t]+(?:your|the|this|my)[ \t]+claim[ \t]+(?:was|is)[ \t]+(?:denied|not[ \t]+paid)"
    r"|basis[ \t]+(?:for|of)[ \t]+(?:the[ \t]+|this[ \t]+|our[ \t]+)?(?:denial|decision"
    r"|determination)|(?:decision|denial)[ \t]+rationale|rationale)"
    r"|(?P<r1>explanation(?:[ \t]+of[ \t]+(?:the[ \t]+)?(?:denial|decision|determination))?"
    r"|(?:our[ \t]+)?decision|determination|denial[ \t]+determination)"
    r"|(?P<r2>remarks?|claim[ \t]+notes|notes|adjustment[ \t]+messages|messages?"
    r"|(?:claim[ \t]+)?adjustment))"
    r"[ \t]*(?::|\?|[ \t]-[ \t]|(?=[ \t]*\n))"
)
_CODE_PREFIX: Final = re.compile(
    r"(?:(?i:denial|reason|adjustment|remark)[ \t]+(?i:codes?)[ \t]*:?[ \t]*)?"
    r"(?:(?:CO|PR|OA|PI|CR)[ \t]*-?[ \t]*[A-Z]?\d{1,3}|[A-Z]{1,2}\d{1,3})"
    r"(?:[ \t]*(?:[-:—][ \t]*|[ \t]{1,}(?=[A-Z])|\n[ \t]*))"
)
_DECISION_PREFIX: Final = re.compile(r"(?i)(?:denied|not[ \t]+covered|rejected)[ \t]*[-—:,][ \t]*")
_CODE_ONLY: Final = re.compile(
    r"(?i)^(?:(?:denial|reason|adjustment|remark|carc|rarc)\s+codes?\s*:?\s*)?"
    r"[(\[]?(?:(?:co|pr|oa|pi|cr)\s*-?\s*)?[a-z]?\d{1,3}[)\]]?\.?$"
)
# A line opening with a CARC and its explanation: "CO-4   The procedure code is ...", or
# "Group Code CO, Reason Code 11 - the diagnosis ...". Found from the group code itself.
_CODE_TAIL: Final = r"(?:[ \t]*[-:—][ \t]*|[ \t]{2,})(?=[A-Za-z])"
_CARC_LINE_RE: Final = re.compile(
    rf"(?P<code>(?:CO|PR|OA|PI|CR)[ \t]*-?[ \t]*[A-Z]?\d{{1,3}}){_CODE_TAIL}"
)
_GROUP_WORDS: Final = re.compile("group code")
_GROUP_LINE_RE: Final = re.compile(
    r"(?i:group[ \t]+code)[ \t]*:?[ \t]*(?P<code>(?:CO|OA|PI|CR)[ \t,;]*(?i:and[ \t]+)?"
    r"(?i:(?:claim[ \t]+)?(?:adjustment[ \t]+)?reason[ \t]+code)[ \t]*:?[ \t]*\d{1,3})" + _CODE_TAIL
)
_CARC_WORD: Final = re.compile("carc")
_CARC_WORD_LINE_RE: Final = re.compile(r"(?i:carc)[ \t]*(?P<code>[A-Z]?\d{1,3})" + _CODE_TAIL)
# What may open a code line before the code: a bullet, or one short word ("EOB", "Reason").
_CODE_LINE_LEAD: Final = re.compile(r"[ \t]*(?:[-•*][ \t]*)?(?:[A-Za-z]{2,12}[ \t]+)?")
# A line opening with any code and its explanation: a new item in a list of codes.
_ITEM_LINE_RE: Final = re.compile(
    r"[ \t]*(?:[-•*][ \t]*)?(?:(?:CO|PR|OA|PI|CR)[ \t]*-?[ \t]*[A-Z]?\d{1,3}|MA\d{2,3}|[MN]\d{1,3}"
    r"|\d{4}[0-9FTU]|[A-V]\d{4})(?:[ \t]*[-:—][ \t]*|[ \t]{2,})"
)
_TRIGGER_WORDS: Final = tuple(
    re.compile(w)
    for w in (
        "denied", "rejected", "approved", "determined", "unable to", "not pay", "cannot be",
        "not able to", "could not", "will not", "can not", "denial is",
    )
)  # fmt: skip
TRIGGER_RE: Final = re.compile(
    r"(?i)\bdenied\s+because|denial\s+is\s+based|(?:has|have|was|were|is|are)"
    r"(?:\s+(?:now|hereby|partially|therefore|also))?\s+(?:been\s+)?(?:denied|rejected)"
    r"|\bwe\s+(?:have\s+)?denied\b|not\s+(?:been\s+)?approved|is\s+not\s+approved|we\s+(?:have\s+)?"
    r"determined|unable\s+to\s+(?:pay|cover|approve)|(?:will|could|can)\s*not\s+(?:pay|cover"
    r"|finish|process)|not\s+able\s+to\s+pay|cannot\s+be\s+(?:paid|covered|processed)"
)
_BARE_DENIAL: Final = re.compile(
    r"(?i)(?:has|have|was|were|is|are)\s+(?:been\s+)?(?:denied|rejected)|will\s+not\s+pay"
    r"|not\s+(?:been\s+)?approved"
)
_BECAUSE: Final = re.compile(
    r"(?i)\bbecause\b|\bdue\s+to\b|\bbased\s+on\b|\bsince\b|\bdenied\s*[:-]"
)
_INFORMATIVE: Final = Sieved(
    r"(?i)because|due\s+to|based\s+on|medical(?:ly)?\s+necess|authoriz|precert|not\s+covered"
    r"|exclu|network|duplicate|timely|filing\s+limit|eligib|terminat|other\s+insurance"
    r"|primary|records|documentation|invalid|not\s+(?:a\s+)?valid|missing|incorrect"
    r"|inconsistent|modifier|bundl|included\s+in|exceed|limit|experimental|investigational"
    r"|cosmetic|not\s+(?:obtained|on\s+file)|no\s+record|does\s+not\s+(?:meet|show|support)"
    r"|lacks|frequency|level\s+of\s+care|criteria|requires?|coverage|premium|lapse"
    r"|identified|not\s+found|prior\s+to|insufficient|incomplete|not\s+(?:provided|received)"
    r"|did\s+not\s+receive|\bcode\b[^.\n]{0,20}:\s*\w"
)
_MAX_SPAN: Final = 900
_ANY_CARC: Final = re.compile(r"(?<![A-Za-z0-9])(?:CO|PR|OA|PI|CR)[ \t]*-?[ \t]*([A-Z]?\d{1,3})\b")


def extract_reason(doc: Doc) -> Found[str] | None:
    """The stated reason: one to three sentences, squashed to single spaces."""
    candidates: list[Found[str]] = []
    for m in _labels(doc):
        rank = 0 if m.group("r0") else 1 if m.group("r1") else 3
        found = _passage(doc, m.end(), rank)
        if found is not None:
            candidates.append(found)
            if rank == 0:
                break
    if not any(c.rank <= 1 for c in candidates):
        for pos in sorted(
            h.start()
            for w in _TRIGGER_WORDS
            for h in anchored(w, doc.lower, limit=FIRST_CANDIDATES)
        ):
            trigger = TRIGGER_RE.search(doc.text, max(0, pos - 30), pos + 40)
            found = _from_trigger(doc, trigger.start()) if trigger is not None else None
            if found is not None:
                candidates.append(found)
                break
        for m in _code_lines(doc):
            code = m.group("code")
            if code[:2] == "PR" or code.replace(" ", "").endswith("-45"):
                continue  # cost sharing and contractual write-offs are not the denial
            found = _passage(doc, m.end(), 4)
            if found is not None:
                candidates.append(found)
                break
    return best(candidates)


def _code_lines(doc: Doc) -> list[re.Match[str]]:
    """Lines opening with a CARC and its explanation, in letter order."""
    found = list(anchored(_CARC_LINE_RE, doc.text, limit=FIRST_CANDIDATES))
    for words, pattern in ((_GROUP_WORDS, _GROUP_LINE_RE), (_CARC_WORD, _CARC_WORD_LINE_RE)):
        for hit in anchored(words, doc.lower, limit=FIRST_CANDIDATES):
            m = pattern.match(doc.text, hit.start())
            if m is not None:
                found.append(m)
    return [
        m
        for m in sorted(found, key=lambda m: m.start())
        if _CODE_LINE_LEAD.fullmatch(doc.text, doc.line_start(m.start(), 60), m.start())
    ]


def _labels(doc: Doc) -> list[re.Match[str]]:
    """Reason labels and headings at the start of a line, in letter order."""
    starts = set()
    for word in _LABEL_WORDS:
        for hit in anchored(word, doc.lower, limit=FIRST_CANDIDATES):
            start = doc.line_start(hit.start())
            if doc.lower[start : hit.start()].strip(" \t-*•") in ("", "our"):
                starts.add(start)
    found = [_LABEL_RE.match(doc.text, start) for start in sorted(starts)]
    return [m for m in found if m is not None]


def _from_trigger(doc: Doc, pos: int) -> Found[str] | None:
    start = doc.paragraph_start(pos, 400)
    for s, e in sentence_spans(doc, start, min(len(doc.text), pos + 400)):
        if e <= pos:
            continue
        sentence = doc.text[s:e]
        if is_boilerplate(sentence):
            return None
        # "Your claim has been denied." says nothing about why: start after it.
        begin = s if _INFORMATIVE.found(sentence) else e
        return _passage(doc, begin, 2)
    return None


def _passage(doc: Doc, start: int, rank: int) -> Found[str] | None:
    """Up to three sentences from `start`, crossing one paragraph break when short."""
    text = doc.text
    limit = min(len(text), start + _MAX_SPAN)
    while start < limit and text[start] in " \t\n":
        start += 1
    prefix = _CODE_PREFIX.match(text, start) or _DECISION_PREFIX.match(text, start)
    if prefix is not None:
        start = prefix.end()
    chosen: list[tuple[int, int]] = []
    para_end = _paragraph_end(doc, start, limit)
    crossed = False
    cursor = start
    skipping = False  # inside a listed item that is cost sharing, not the denial
    while cursor < limit and len(chosen) < 3:
        stop = False
        for s, e in sentence_spans(doc, cursor, para_end):
            sentence = text[s:e]
            new_item = s == start or _starts_new_item(doc, s)
            if chosen and (is_boilerplate(sentence) or (new_item and s != start)):
                stop = True
                break
            if new_item:
                skipping = _cost_sharing_item(doc, s)
            if skipping:
                continue
            if _CODE_ONLY.match(sentence.strip()) or (not chosen and is_boilerplate(sentence)):
                continue
            if not chosen and not _INFORMATIVE.found(sentence) and TRIGGER_RE.search(sentence):
                continue  # a bare "we will not pay" before the actual reason
            chosen.append((s, e))
            if len(chosen) == 3:
                break
        if stop or len(chosen) >= 2 or crossed or para_end >= limit:
            break
        crossed = True
        cursor = para_end
        while cursor < limit and text[cursor] in " \t\n":
            cursor += 1
        first_line = text[cursor : doc.line_end(cursor)]
        relabel = _LABEL_RE.match(text, doc.line_start(cursor))
        if relabel is not None and relabel.group("r1"):
            cursor = relabel.end()
        elif not first_line.strip() or is_heading(first_line) or starts_with_label(first_line):
            break
        para_end = _paragraph_end(doc, cursor, limit)
    if not chosen:
        return None
    value = squash(" ".join(text[s:e] for s, e in chosen))
    return Found(value, chosen[0][0], chosen[-1][1], rank)


def _cost_sharing_item(doc: Doc, pos: int) -> bool:
    """An item line whose codes are all cost sharing or pricing ("92014: PR-2 Coinsurance")."""
    line = doc.text[pos : doc.line_end(pos, 120)]
    kinds = [
        info.kind
        for m in _ANY_CARC.finditer(line)
        if (info := table.lookup(CodeType.CARC, m.group(1))) is not None
    ]
    return bool(kinds) and all(k in (CodeKind.COST_SHARING, CodeKind.ADJUSTMENT) for k in kinds)


def _paragraph_end(doc: Doc, start: int, limit: int) -> int:
    end = doc.text.find("\n\n", start, limit)
    return limit if end < 0 else end


def _starts_new_item(doc: Doc, pos: int) -> bool:
    """A sentence that opens a new line with a label or a code: a new item, not more reason."""
    line_start = doc.line_start(pos)
    if doc.text[line_start:pos].strip():
        return False
    line = doc.text[pos : doc.line_end(pos)]
    return bool(_ITEM_LINE_RE.match(line)) or (starts_with_label(line) and ":" in line[:40])


# --- the summary -----------------------------------------------------------------------------


def summarize(
    reason: str | None, codes: list[DenialCode], payer: str | None, service: str | None
) -> str:
    """One plain-English sentence built only from extracted facts."""
    who = payer or "Your insurer"
    what = f"the claim for {service}" if service else "the claim"
    key = _key_sentence(reason) if reason else None
    carcs = [c for c in codes if c.code_type is CodeType.CARC and _is_denial(c)][:2]
    code_part = "; ".join(f"{c.code}: {c.description}" for c in carcs)
    if key and code_part:
        return f"{who} denied {what}: {key} (reason code {code_part})."
    if key:
        return f"{who} denied {what}: {key}."
    if code_part:
        return f"{who} denied {what} with reason code {code_part}."
    if any(c.code_type is CodeType.CARC for c in codes):
        listed = ", ".join(c.code for c in codes if c.code_type is CodeType.CARC)
        return (
            f"{who} processed {what}; its codes ({listed}) are cost sharing or pricing "
            "adjustments, not a denial reason."
        )
    return f"{who} denied {what}; the letter does not say why."


def _is_denial(code: DenialCode) -> bool:
    info = table.lookup(CodeType.CARC, code.code)
    return info is not None and info.kind is CodeKind.DENIAL


def _key_sentence(reason: str) -> str:
    """The reason's most telling sentence: informative and not a bare "it was denied"."""
    parts = split_sentences(reason) or [reason]
    # The first informative sentence that is not a bare denial, else the first informative
    # one, else the first. One lazy pass: each regex costs tens of microseconds a sentence.
    first_informative: str | None = None
    telling: str | None = None
    for part in parts:
        if not _INFORMATIVE.found(part):
            continue
        if first_informative is None:
            first_informative = part
        if not _bare_denial(part):
            telling = part
            break
    key = (telling or first_informative or parts[0]).strip().rstrip(".!?")
    words = key.split()
    # Lower-case a sentence's first word to continue the template, unless it is an acronym
    # or the sentence is in Title Case ("Medical Necessity Not Met").
    title_case = len(words) > 1 and words[1][:1].isupper()
    if len(key) > 1 and key[0].isupper() and key[1].islower() and not title_case:
        key = key[0].lower() + key[1:]
    return key


def _bare_denial(sentence: str) -> bool:
    """ "Your claim is DENIED under Section 4.2": says that, not why."""
    return bool(_BARE_DENIAL.search(sentence)) and not _BECAUSE.search(sentence)
