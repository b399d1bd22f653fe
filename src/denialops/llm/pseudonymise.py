"""Reversible pseudonymisation: a cloud model sees `[[MEMBER_ID_1]]`, never the member ID.

Before a request leaves, every occurrence of a known PHI value in its messages — patient and
member names, member and group IDs, claim numbers, addresses, dates of birth — is replaced by
a stable placeholder; the model's answer (plain text, JSON, or a stream) has the placeholders
put back. Matching ignores case and tolerates any run of whitespace where the value has one
(a name broken across lines still matches), and respects word edges ("Ann" does not match
inside "Annual"). A date of birth given as an ISO date also matches its common US spellings.

Each distinct spelling found gets its own placeholder, numbered per kind in order of first
appearance, so restoring gives back exactly the text that was there, and the same request
always pseudonymises the same way (the cache below this layer keeps working, and what it
stores holds placeholders, not PHI). Placeholder-shaped text already in a message is left
alone and its numbers are never reused, so restoring cannot turn it into PHI.

This is a safeguard for known values, not a de-identifier: PHI we were not told about
(a spouse's name in free text) goes through. The values for a run come from a context
variable set around it (`phi_scope`), the same way the usage ledger does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import TypeAlias

import structlog
from pydantic import BaseModel

from denialops.domain.facts import CaseFacts
from denialops.llm.models import Completion, CompletionRequest, Message
from denialops.llm.wrapper import LLMClientWrapper, relay

log = structlog.get_logger(__name__)


class PHIKind(StrEnum):
    """What a PHI value is; its name is the placeholder's stem."""

    PATIENT_NAME = "PATIENT_NAME"
    MEMBER_NAME = "MEMBER_NAME"
    MEMBER_ID = "MEMBER_ID"
    GROUP_NUMBER = "GROUP_NUMBER"
    CLAIM_NUMBER = "CLAIM_NUMBER"
    ADDRESS = "ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"


PHIValues: TypeAlias = Mapping[PHIKind, Collection[str]]
JSON: TypeAlias = "str | int | float | bool | list[JSON] | dict[str, JSON] | None"

PLACEHOLDER = re.compile(r"\[\[[A-Z][A-Z_]*_[0-9]+\]\]")
# What a placeholder's beginning looks like when a stream chunk ends inside it.
_PARTIAL_PLACEHOLDER = re.compile(r"\[(?:\[[A-Z_]*[0-9]*\]?)?")
_MAX_PLACEHOLDER_LEN = 40
# Shorter values would blank out ordinary words; no identifier is one character long.
MIN_VALUE_CHARS = 2


def phi_from_facts(facts: CaseFacts, extra: PHIValues | None = None) -> dict[PHIKind, list[str]]:
    """The PHI values the facts hold (member ID, group and claim numbers), plus `extra` —
    names, addresses and dates of birth, which `CaseFacts` does not keep."""
    found: dict[PHIKind, list[str]] = {}
    for kind, value in (
        (PHIKind.MEMBER_ID, facts.payer.member_id),
        (PHIKind.GROUP_NUMBER, facts.payer.group_number),
        (PHIKind.CLAIM_NUMBER, facts.payer.claim_number),
    ):
        if value:
            found.setdefault(kind, []).append(value)
    for kind, values in (extra or {}).items():
        found.setdefault(kind, []).extend(values)
    return found


class Pseudonymiser:
    """One request's placeholders: replaces PHI in the texts it is given and puts it back in
    the answer. `avoid`: every text of the request, so no placeholder number it already
    contains is handed out."""

    def __init__(self, phi: PHIValues, *, avoid: Iterable[str] = ()) -> None:
        alternatives = _alternatives(phi)
        self._kinds = [kind for kind, _ in alternatives]
        self._pattern = (
            re.compile("|".join(f"({p})" for _, p in alternatives), re.IGNORECASE)
            if alternatives
            else None
        )
        self._reserved: set[str] = set()
        for text in avoid:
            self._reserved.update(PLACEHOLDER.findall(text))
        self._placeholders: dict[str, str] = {}  # spelling found -> placeholder
        self._originals: dict[str, str] = {}  # placeholder -> spelling found
        self._counts: dict[PHIKind, int] = {}

    @property
    def replacements(self) -> int:
        """How many distinct spellings have been replaced so far."""
        return len(self._originals)

    def pseudonymise(self, text: str) -> str:
        if self._pattern is None:
            return text
        self._reserved.update(PLACEHOLDER.findall(text))
        return self._pattern.sub(self._placeholder, text)

    def restore(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self._originals.get(m[0], m[0]), text)

    def restore_json_text(self, text: str) -> str:
        """Restore inside JSON text: a placeholder sits in a string literal, so the value
        goes back escaped (a name with a quote in it must not break the JSON)."""
        return PLACEHOLDER.sub(lambda m: _json_escaped(self._originals.get(m[0], m[0])), text)

    def restore_value(self, value: JSON) -> JSON:
        """Restore every string (keys included) in a parsed JSON value, however nested."""
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_value(item) for item in value]
        if isinstance(value, dict):
            return {self.restore(k): self.restore_value(v) for k, v in value.items()}
        return value

    def restorer(self) -> StreamRestorer:
        return StreamRestorer(self.restore)

    def _placeholder(self, match: re.Match[str]) -> str:
        found = match[0]
        placeholder = self._placeholders.get(found)
        if placeholder is None:
            placeholder = self._next(self._kinds[(match.lastindex or 1) - 1])
            self._placeholders[found] = placeholder
            self._originals[placeholder] = found
        return placeholder

    def _next(self, kind: PHIKind) -> str:
        number = self._counts.get(kind, 0)
        while True:
            number += 1
            placeholder = f"[[{kind.value}_{number}]]"
            if placeholder not in self._reserved:
                self._counts[kind] = number
                return placeholder


class StreamRestorer:
    """Restores a streamed answer chunk by chunk, holding back a chunk's tail while it could
    be the beginning of a placeholder, so one split across chunks is still restored."""

    def __init__(self, restore: Callable[[str], str]) -> None:
        self._restore = restore
        self._pending = ""

    def feed(self, chunk: str) -> str:
        """The restored text that can be released now ("" while waiting)."""
        text = self._pending + chunk
        cut = _safe_cut(text)
        self._pending = text[cut:]
        return self._restore(text[:cut])

    def flush(self) -> str:
        """The rest, at the end of the stream."""
        text, self._pending = self._pending, ""
        return self._restore(text)


_phi: ContextVar[PHIValues | None] = ContextVar("denialops_llm_phi", default=None)


@contextmanager
def phi_scope(phi: PHIValues) -> Iterator[None]:
    """Pseudonymise `phi` in every LLM call made inside the block (one case's run)."""
    token = _phi.set(phi)
    try:
        yield
    finally:
        _phi.reset(token)


def current_phi() -> PHIValues | None:
    return _phi.get()


class PseudonymisingLLMClient(LLMClientWrapper):
    """Sends the current `phi_scope`'s values as placeholders and restores them in the answer.
    Outside a scope, requests pass unchanged."""

    async def complete(self, request: CompletionRequest) -> Completion:
        pseudonymiser, masked = self._mask(request)
        completion = await self.inner.complete(masked)
        if pseudonymiser is None:
            return completion
        return completion.model_copy(update={"text": pseudonymiser.restore(completion.text)})

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        pseudonymiser, masked = self._mask(request)
        completion = await self.inner.complete_json(masked, schema)
        if pseudonymiser is None:
            return completion
        text = pseudonymiser.restore_json_text(completion.text)
        return completion.model_copy(update={"text": text})

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        pseudonymiser, masked = self._mask(request)
        restorer = pseudonymiser.restorer() if pseudonymiser is not None else None
        async for chunk in relay(self.inner.stream(masked)):
            text = restorer.feed(chunk) if restorer is not None else chunk
            if text:
                yield text
        tail = restorer.flush() if restorer is not None else ""
        if tail:
            yield tail

    def _mask(self, request: CompletionRequest) -> tuple[Pseudonymiser | None, CompletionRequest]:
        phi = current_phi()
        if not phi:
            return None, request
        pseudonymiser = Pseudonymiser(phi, avoid=(m.content for m in request.messages))
        messages = tuple(
            Message(role=m.role, content=pseudonymiser.pseudonymise(m.content))
            for m in request.messages
        )
        if pseudonymiser.replacements == 0:
            return None, request
        log.debug(
            "llm.pseudonymised", purpose=request.purpose, replacements=pseudonymiser.replacements
        )
        return pseudonymiser, request.model_copy(update={"messages": messages})


def _alternatives(phi: PHIValues) -> list[tuple[PHIKind, str]]:
    """(kind, regex) for every distinct value and spelling, longest first, so that a value
    containing another ("Ann Lee" and "Ann") wins where both match."""
    seen: set[str] = set()
    found: list[tuple[PHIKind, str]] = []
    for kind in PHIKind:
        for value in phi.get(kind, ()):
            for spelling in _spellings(kind, value):
                normal = " ".join(spelling.split()).casefold()
                if len(normal.replace(" ", "")) >= MIN_VALUE_CHARS and normal not in seen:
                    seen.add(normal)
                    found.append((kind, spelling))
    found.sort(key=lambda item: -len(" ".join(item[1].split())))
    return [(kind, _pattern(spelling)) for kind, spelling in found]


def _spellings(kind: PHIKind, value: str) -> list[str]:
    if kind is not PHIKind.DATE_OF_BIRTH:
        return [value]
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return [value]
    month = day.strftime("%B")
    return [
        value,
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{day.month}/{day.day}/{day.year}",
        f"{day.month:02d}-{day.day:02d}-{day.year}",
        f"{month} {day.day}, {day.year}",
        f"{month[:3]} {day.day}, {day.year}",
    ]


def _pattern(value: str) -> str:
    """The value as a regex: any whitespace run where it has one, whole words at its ends."""
    parts = value.split()
    body = r"\s+".join(re.escape(part) for part in parts)
    if re.match(r"\w", parts[0]):
        body = r"(?<!\w)" + body
    if re.search(r"\w$", parts[-1]):
        body += r"(?!\w)"
    return body


def _safe_cut(text: str) -> int:
    """Where `text` can be cut without splitting a placeholder: before a trailing beginning
    of one (bounded, so text that only looks like one is not held for ever), else its end."""
    for start in (text.rfind("[["), len(text) - 1):
        if (
            start >= 0
            and len(text) - start <= _MAX_PLACEHOLDER_LEN
            and _PARTIAL_PLACEHOLDER.fullmatch(text, start)
        ):
            return start
    return len(text)


def _json_escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]
