"""Signals from the letter's words: the stated reason first, then the rest of the letter.

Each phrase occurrence is weighed as `phrase weight * context factor`, negated when its clause
says so. The same phrase counts once per route and direction (its strongest occurrence), so a
phrase repeated down the page does not pile up; different phrases for a route add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from denialops.domain.facts import Evidence, Signal
from denialops.domain.routing.context import CONTEXT_FACTOR, Context, TextReader
from denialops.domain.routing.scan import Hit, evidence_for, find_hits
from denialops.domain.routing.signals import Findings, Scored, fmt_weight

#: Occurrences of one phrase looked at closely; later ones cannot change its best weight much.
_MAX_OCCURRENCES: Final = 25
_QUOTE_CHARS: Final = 160

_WHERE: Final[dict[Context, str]] = {
    Context.STATED: "stated reason",
    Context.REASON: "the letter's reason section",
    Context.BODY: "letter text",
    Context.BOILERPLATE: "boilerplate (discounted)",
}

Key = tuple[str, str, bool]  # route, phrase, negative


@dataclass(slots=True)
class _Candidate:
    hit: Hit
    weight: float
    context: Context
    span: tuple[int, int]  # the quoted span: the phrase, or negation cue through phrase
    in_text: bool  # offsets are into the letter text (else into the stated reason)


def text_findings(
    reader: TextReader, denial_reason: str | None, reason_evidence: Evidence | None = None
) -> Findings:
    """Phrase signals from the stated reason and the letter text (`reader.text`)."""
    text = reader.text
    found = Findings()
    best: dict[Key, _Candidate] = {}
    reason = (denial_reason or "").strip()
    offset = text.find(reason) if reason else -1
    if reason:
        stated = TextReader.of(reason, stated=True)
        found.injection |= _collect(stated, best, shift=max(offset, 0), in_text=offset >= 0)
    found.injection |= _collect(reader, best, shift=0, in_text=True)
    _emit(found, best, text, reason, reason_evidence)
    if found.injection:
        found.notes.append(
            "the letter contains text that reads like an instruction to this system; "
            "it was treated as letter text and given no weight"
        )
    return found


def _collect(reader: TextReader, best: dict[Key, _Candidate], *, shift: int, in_text: bool) -> bool:
    """Weigh every hit in the reader's text into `best`; True when instruction-like text was
    seen near a phrase."""
    injection = False
    seen: dict[str, int] = {}
    for hit in find_hits(reader.low):
        phrase = hit.phrase
        seen[phrase.text] = seen.get(phrase.text, 0) + 1
        if phrase.route is None or seen[phrase.text] > _MAX_OCCURRENCES:
            continue
        context = reader.context(hit.start, hit.end)
        if context is Context.IGNORED:
            injection = True
            continue
        weight = phrase.weight * CONTEXT_FACTOR[context]
        span = (hit.start, hit.end)
        negation = reader.negation(hit.start, hit.end)
        if negation is not None:
            if phrase.weight < 0:
                continue  # a negated counter-phrase says nothing clear
            weight, span = -weight, negation
        key = (phrase.route.value, phrase.text, weight < 0)
        current = best.get(key)
        if current is None or abs(weight) > abs(current.weight):
            shifted = (span[0] + shift, span[1] + shift)
            best[key] = _Candidate(hit, weight, context, shifted, in_text)
    return injection


def _emit(
    found: Findings,
    best: dict[Key, _Candidate],
    text: str,
    reason: str,
    reason_evidence: Evidence | None,
) -> None:
    located = evidence_for(text, [c.span for c in best.values() if c.in_text])
    for candidate in best.values():
        if candidate.in_text:
            evidence: Evidence | None = located[candidate.span]
        else:
            evidence = _reason_evidence(reason, candidate.span, reason_evidence)
        quote = evidence.quote if evidence else reason[candidate.span[0] : candidate.span[1]]
        found.scored.append(_scored(candidate, " ".join(quote.split())[:_QUOTE_CHARS], evidence))


def _scored(candidate: _Candidate, quote: str, evidence: Evidence | None) -> Scored:
    phrase, weight = candidate.hit.phrase, round(candidate.weight, 3)
    assert phrase.route is not None  # neutral phrases never become candidates
    route = phrase.route.value
    negative = weight < 0
    value = quote if negative and phrase.weight > 0 else phrase.text
    signal = Signal(
        kind="negation" if negative else "phrase",
        value=value,
        route=phrase.route,
        weight=weight,
        evidence=evidence,
    )
    where = _WHERE[candidate.context]
    if negative and phrase.weight > 0:
        line = f"negated in {where}: '{quote}' \u2192 {route} {fmt_weight(weight)}"
    elif negative:
        line = f"{where} says '{phrase.text}' \u2192 {route} {fmt_weight(weight)}"
    else:
        line = f"{where} mentions '{phrase.text}' \u2192 {route} {fmt_weight(weight)}"
    return Scored(signal, line)


def _reason_evidence(
    reason: str, span: tuple[int, int], reason_evidence: Evidence | None
) -> Evidence | None:
    """Evidence for a span of the stated reason when the reason is not found in the text:
    relative to where the extractor saw the reason, if it said."""
    if reason_evidence is None:
        return None
    start, end = span
    return Evidence(
        page=reason_evidence.page,
        start=reason_evidence.start + start,
        end=reason_evidence.start + end,
        quote=reason[start:end],
    )
