"""What the fake model does next (a queue of behaviours) and what it was asked (recordings).

Behaviours are protocol-neutral: `openai_api.py` and `anthropic_api.py` render each one in their
own wire format, so one script drives every provider the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    """Answer with `text`: in one JSON body, or streamed in `chunks` (default: word by word).

    `delay_s` makes a slow model: the server waits that long before sending anything;
    `chunk_delay_s` one that stalls mid-stream, waiting that long before each later chunk."""

    text: str
    _: KW_ONLY
    chunks: tuple[str, ...] | None = None
    input_tokens: int = 11
    output_tokens: int = 7
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0

    @classmethod
    def json(cls, value: object, **kwargs: Any) -> Reply:
        """Answer with `value` serialised as JSON (valid, or inventive: the test decides)."""
        return cls(text=json.dumps(value), **kwargs)

    def stream_chunks(self) -> tuple[str, ...]:
        if self.chunks is not None:
            return self.chunks
        words = self.text.split(" ")
        return tuple(w if i == len(words) - 1 else w + " " for i, w in enumerate(words))


@dataclass(frozen=True)
class Echo:
    """Answer with the last user message verbatim: a model that does whatever the letter says,
    including an instruction injected into it."""


@dataclass(frozen=True)
class Fail:
    """Answer with an HTTP error in the provider's error format."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = "scripted failure"


@dataclass(frozen=True)
class Raw:
    """Answer 200 with a body that is not the protocol's JSON (a proxy's HTML page, a cut-off
    body)."""

    body: str
    content_type: str = "application/json"


@dataclass(frozen=True)
class Respond:
    """Answer with whatever `answer(request)` returns: a model whose reply depends on what it
    was asked (an extraction and an explanation get different answers)."""

    answer: Callable[[RecordedRequest], Reply | Echo | Fail | Raw]


Behaviour = Reply | Echo | Fail | Raw | Respond


def malformed_json() -> Reply:
    """A model that starts a JSON object and never finishes it."""
    return Reply(text='{"route": "appeal", "reason": ')


def rate_limited(retry_after: str = "7") -> Fail:
    """429 with a Retry-After header (seconds or an HTTP date)."""
    return Fail(429, headers={"Retry-After": retry_after}, message="rate limited")


def server_error(status: int = 500) -> Fail:
    return Fail(status, message="internal error")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it. Header names are lower-case."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))

    def prompt_text(self) -> str:
        """Every piece of text the client sent (system prompt and messages), joined."""
        parts: list[str] = []
        system = self.body.get("system")
        if isinstance(system, str):
            parts.append(system)
        elif isinstance(system, list):
            parts.extend(block.get("text", "") for block in system)
        for message in self.body.get("messages", []):
            parts.append(_content_text(message.get("content")))
        return "\n".join(parts)

    def last_user_text(self) -> str:
        users = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        return _content_text(users[-1].get("content")) if users else ""


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return ""
