"""Loopback fakes of the OpenAI, Anthropic and Ollama HTTP APIs, for driving the real SDKs.

The SDKs speak httpx2, which respx cannot intercept, so the tests run a real HTTP server on
127.0.0.1 (an ephemeral port, a background thread) and point the SDK's base URL at it. Each test
scripts what the "model" does next — answer, stall, fail, talk nonsense — and then reads back the
requests the server received.
"""

from .script import (
    Behaviour,
    Echo,
    Fail,
    Raw,
    RecordedRequest,
    Reply,
    Respond,
    malformed_json,
    rate_limited,
    server_error,
)
from .server import FakeLLMServer

__all__ = [
    "Behaviour",
    "Echo",
    "Fail",
    "FakeLLMServer",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Respond",
    "malformed_json",
    "rate_limited",
    "server_error",
]
