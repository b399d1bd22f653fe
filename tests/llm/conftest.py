"""Fixtures for the LLM tests: one fake LLM server per session (a real loopback HTTP server),
its script and recordings reset before every test, and a client for each provider pointed at it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from denialops.llm.client import BaseLLMClient
from denialops.llm.providers.anthropic import AnthropicClient
from denialops.llm.providers.local import LocalLLMClient
from denialops.llm.providers.openai import OpenAIClient

from .fake_providers import FakeLLMServer

# Long enough for a loaded 2-core runner to answer, short enough that "slow" tests stay quick.
TIMEOUT_S = 1.0
API_KEY = "sk-test-0123456789"
PROVIDERS = ("openai", "anthropic", "local")
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5", "local": "smollm2"}


@pytest.fixture(scope="session")
def fake_llm_server() -> Iterator[FakeLLMServer]:
    """The one server of the session; tests use `llm_server`, which resets it."""
    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def llm_server(fake_llm_server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    """The shared fake server, with an empty script and no recorded requests."""
    fake_llm_server.reset()
    yield fake_llm_server
    fake_llm_server.reset()


def make_client(
    provider: str, url: str, *, model: str | None = None, timeout_s: float = TIMEOUT_S
) -> BaseLLMClient:
    """A real provider adapter (its real SDK inside) talking to the server at `url`."""
    model = model or MODELS[provider]
    if provider == "openai":
        return OpenAIClient(model=model, api_key=API_KEY, base_url=f"{url}/v1", timeout_s=timeout_s)
    if provider == "anthropic":
        return AnthropicClient(model=model, api_key=API_KEY, base_url=url, timeout_s=timeout_s)
    if provider == "local":
        return LocalLLMClient(model=model, base_url=f"{url}/v1", timeout_s=timeout_s)
    raise ValueError(provider)


@pytest.fixture(params=PROVIDERS)
async def llm(
    request: pytest.FixtureRequest, llm_server: FakeLLMServer
) -> AsyncIterator[BaseLLMClient]:
    """Each provider in turn, through its real SDK, against the fake server."""
    client = make_client(request.param, llm_server.url)
    try:
        yield client
    finally:
        await client.aclose()
