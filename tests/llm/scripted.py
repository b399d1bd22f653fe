"""A scripted stand-in for the provider edge, and a test clock and sleep, for the layer tests.

`ScriptedLLM` answers each call with the next step of its script — a text, a `Completion`, an
error to raise, or `HANG` (never answer) — and records what it was asked. The real SDKs are
tested against loopback servers elsewhere (test_contract.py); the resilience, cache,
accounting and pseudonymisation layers only need something that behaves on cue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel

from denialops.llm.client import BaseLLMClient
from denialops.llm.models import Completion, CompletionRequest, Message, Usage


class _Hang:
    """A step that never answers (the timeout layer has to end it)."""


HANG = _Hang()

Step = str | Completion | BaseException | _Hang


@dataclass
class StreamStep:
    """A streamed answer: `chunks` in order, then `error` raised if given."""

    chunks: list[str]
    error: BaseException | None = None
    hang_first: bool = False


@dataclass
class ScriptedLLM(BaseLLMClient):
    """Answers from `script`, one step per call; once it runs out, answers `default`."""

    script: Iterable[Step] = ()
    streams: Iterable[StreamStep | BaseException] = ()
    default: str = "ok"
    provider: str = "fake"
    model: str = "fake-1"
    usage: Usage = field(default_factory=lambda: Usage(input_tokens=100, output_tokens=20))
    requests: list[CompletionRequest] = field(default_factory=list)
    schemas: list[type[BaseModel] | None] = field(default_factory=list)
    stream_calls: int = 0
    closed: int = 0

    def __post_init__(self) -> None:
        self._script: deque[Step] = deque(self.script)
        self._streams: deque[StreamStep | BaseException] = deque(self.streams)

    @property
    def calls(self) -> int:
        return len(self.requests)

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._answer(request, None)

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._answer(request, schema)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        self.requests.append(request)
        self.stream_calls += 1
        step = self._streams.popleft() if self._streams else StreamStep([self.default])
        if isinstance(step, BaseException):
            raise step
        if step.hang_first:
            await asyncio.Event().wait()
        for chunk in step.chunks:
            yield chunk
        if step.error is not None:
            raise step.error

    async def aclose(self) -> None:
        self.closed += 1

    async def _answer(
        self, request: CompletionRequest, schema: type[BaseModel] | None
    ) -> Completion:
        self.requests.append(request)
        self.schemas.append(schema)
        step = self._script.popleft() if self._script else self.default
        if isinstance(step, BaseException):
            raise step
        if isinstance(step, _Hang):
            await asyncio.Event().wait()
            raise AssertionError("unreachable")
        if isinstance(step, Completion):
            return step
        return Completion(text=step, provider=self.provider, model=self.model, usage=self.usage)


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class RecordingSleep:
    """An `asyncio.sleep` stand-in that records the waits and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def request(text: str = "What does CO-197 mean?", **overrides: object) -> CompletionRequest:
    """A one-message request (temperature 0 unless overridden)."""
    fields: dict[str, object] = {"messages": (Message(role="user", content=text),)}
    fields.update(overrides)
    return CompletionRequest.model_validate(fields)


async def collect(chunks: AsyncIterator[str], into: list[str] | None = None) -> list[str]:
    """Every chunk of a stream; `into` keeps those received before an error."""
    received = into if into is not None else []
    async for chunk in chunks:
        received.append(chunk)
    return received
