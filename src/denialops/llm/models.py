"""Our own request/response models for LLM calls. Provider SDK types never leave `llm/`:
every provider translates to and from these."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T", bound=BaseModel)


class LLMProvider(StrEnum):
    """Who answers. `none` is the built-in deterministic path: no network, the default.

    It lives here, not in `client.py`, so that `config.py` can import it without pulling in
    the client machinery (and without an import cycle); `client.py` re-exports it."""

    NONE = "none"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    LOCAL = "local"


class Message(BaseModel):
    """One chat message. Letter text goes in a user message, inside delimiters, as data."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class CompletionRequest(BaseModel):
    """What we ask of a model. `temperature == 0` marks a deterministic, cacheable call."""

    model_config = ConfigDict(frozen=True)

    messages: tuple[Message, ...]
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=1024, ge=1, le=32_768)
    # Logical purpose of the call ("extract", "explain", "letter"): for logs and metrics only.
    purpose: str = "completion"

    @property
    def deterministic(self) -> bool:
        return self.temperature == 0.0

    @classmethod
    def of(
        cls, system: str, user: str, *, temperature: float, max_tokens: int, purpose: str
    ) -> CompletionRequest:
        """The usual shape of our requests: one system message (the rules) and one user
        message (the task, with any letter text inside its delimiters)."""
        return cls(
            messages=(Message(role="system", content=system), Message(role="user", content=user)),
            temperature=temperature,
            max_tokens=max_tokens,
            purpose=purpose,
        )


class Usage(BaseModel):
    """Tokens a call used, as the provider reported them (0 when it did not say)."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
        )


class Completion(BaseModel):
    """A model's answer: its text, who answered, what it cost, and whether it came from cache."""

    text: str
    provider: str
    model: str
    usage: Usage = Usage()
    cost_usd: float = 0.0
    cached: bool = False
    finish_reason: str | None = None


class StructuredCompletion(BaseModel, Generic[T]):
    """A completion parsed and validated into the caller's pydantic model."""

    value: T
    completion: Completion
