"""Settings to client: LLM_PROVIDER picks the adapter (or none), keys are required where they
are needed, and LLM_BASE_URL, LLM_MODEL and LLM_TIMEOUT_S reach the SDK."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from denialops.config import Settings, load_settings
from denialops.errors import ConfigurationError, LLMTimeout
from denialops.llm.client import LLMClient, LLMProvider, build_llm_client, build_provider
from denialops.llm.models import CompletionRequest, Message
from denialops.llm.providers.anthropic import AnthropicClient
from denialops.llm.providers.local import LocalLLMClient
from denialops.llm.providers.openai import OpenAIClient

from .fake_providers import FakeLLMServer, Reply

_VARS = (
    "LLM_PROVIDER",
    "LLM_MODEL",
    "LLM_BASE_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "LLM_TIMEOUT_S",
    "LLM_MAX_RETRIES",
    "LLM_TEMPERATURE",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
)
REQUEST = CompletionRequest(messages=(Message(role="user", content="hello"),))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # so a developer's own .env is not read


def _settings(**env: str) -> Settings:
    return load_settings(**{k.lower(): v for k, v in env.items()})


class TestSettings:
    def test_the_default_is_no_llm(self) -> None:
        settings = Settings()
        assert settings.llm_provider is LLMProvider.NONE
        assert settings.llm_timeout_s == 30
        assert settings.llm_max_retries == 2
        assert settings.llm_temperature == 0

    def test_variables_are_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("LLM_PROVIDER", "anthropic")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
        monkeypatch.setenv("LLM_TIMEOUT_S", "4.5")
        settings = load_settings()
        assert settings.llm_provider is LLMProvider.ANTHROPIC
        assert settings.llm_timeout_s == 4.5
        assert "sk-ant-secret" not in repr(settings)

    @pytest.mark.parametrize(
        ("provider", "key_name"),
        [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")],
    )
    @pytest.mark.parametrize("key", [None, ""], ids=["unset", "empty"])
    def test_a_cloud_provider_without_its_key_stops_start_up_in_one_line(
        self, monkeypatch: pytest.MonkeyPatch, provider: str, key_name: str, key: str | None
    ) -> None:
        monkeypatch.setenv("LLM_PROVIDER", provider)
        if key is not None:
            monkeypatch.setenv(key_name, key)
        with pytest.raises(ConfigurationError) as info:
            load_settings()
        assert key_name in info.value.message
        assert "\n" not in info.value.message

    def test_the_other_providers_key_does_not_count(self) -> None:
        with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
            _settings(LLM_PROVIDER="anthropic", OPENAI_API_KEY="sk-openai")

    @pytest.mark.parametrize(
        ("name", "value"),
        [("LLM_PROVIDER", "gemini"), ("LLM_TIMEOUT_S", "0"), ("LLM_TEMPERATURE", "3")],
    )
    def test_bad_values_name_the_variable(
        self, monkeypatch: pytest.MonkeyPatch, name: str, value: str
    ) -> None:
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigurationError) as info:
            load_settings()
        assert name in info.value.message

    @pytest.mark.parametrize(
        ("env", "model", "endpoint"),
        [
            ({"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "k"}, "gpt-5.4-mini", None),
            ({"LLM_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "k"}, "claude-haiku-4-5", None),
            ({"LLM_PROVIDER": "local"}, "smollm2", "http://localhost:11434/v1"),
            (
                {
                    "LLM_PROVIDER": "local",
                    "LLM_MODEL": "qwen2.5",
                    "LLM_BASE_URL": "http://gpu:8080/v1",
                },
                "qwen2.5",
                "http://gpu:8080/v1",
            ),
            (
                {"LLM_PROVIDER": "local", "LLM_MODEL": "", "LLM_BASE_URL": ""},
                "smollm2",
                "http://localhost:11434/v1",
            ),
        ],
        ids=["openai", "anthropic", "local", "local-overridden", "local-empty-vars"],
    )
    def test_model_and_endpoint_default_per_provider(
        self, env: dict[str, str], model: str, endpoint: str | None
    ) -> None:
        settings = _settings(**env)
        assert settings.llm_model_name == model
        assert settings.llm_endpoint == endpoint


class TestFactory:
    def test_provider_none_builds_no_client(self) -> None:
        settings = Settings()
        assert LLMClient.from_settings(settings) is None
        assert build_llm_client(settings) is None
        assert build_provider(settings) is None

    @pytest.mark.parametrize(
        ("env", "kind"),
        [
            ({"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "k"}, OpenAIClient),
            ({"LLM_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "k"}, AnthropicClient),
            ({"LLM_PROVIDER": "local"}, LocalLLMClient),
        ],
        ids=["openai", "anthropic", "local"],
    )
    @pytest.mark.anyio
    async def test_each_provider_builds_its_adapter(
        self, env: dict[str, str], kind: type[object]
    ) -> None:
        settings = _settings(**env, LLM_MODEL="some-model")
        client = build_provider(settings)
        assert client is not None
        assert isinstance(client, kind)
        assert client.provider == settings.llm_provider.value
        assert client.model == "some-model"
        await client.aclose()

    def test_settings_built_without_validation_still_need_a_key(self) -> None:
        settings = Settings.model_construct(llm_provider=LLMProvider.OPENAI)
        with pytest.raises(ConfigurationError, match="API key"):
            build_provider(settings)

    @pytest.mark.anyio
    @pytest.mark.parametrize(
        ("env", "path", "authorization"),
        [
            (
                {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-o"},
                "/v1/chat/completions",
                "Bearer sk-o",
            ),
            (
                {"LLM_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": "sk-a"},
                "/v1/messages",
                "Bearer sk-a",
            ),
            ({"LLM_PROVIDER": "local"}, "/v1/chat/completions", None),
        ],
        ids=["openai", "anthropic", "local"],
    )
    async def test_llm_base_url_and_key_reach_the_server(
        self, llm_server: FakeLLMServer, env: dict[str, str], path: str, authorization: str | None
    ) -> None:
        base = llm_server.url if env["LLM_PROVIDER"] == "anthropic" else f"{llm_server.url}/v1"
        client = LLMClient.from_settings(_settings(**env, LLM_BASE_URL=base))
        assert client is not None
        llm_server.script(Reply("hi"))
        try:
            assert (await client.complete(REQUEST)).text == "hi"
        finally:
            await client.aclose()
        (received,) = llm_server.requests
        assert received.path == path
        assert received.body["model"] == client.model
        if authorization is not None:
            assert received.headers["authorization"] == authorization

    @pytest.mark.anyio
    async def test_llm_timeout_s_bounds_the_call(self, llm_server: FakeLLMServer) -> None:
        settings = _settings(
            LLM_PROVIDER="local", LLM_BASE_URL=f"{llm_server.url}/v1", LLM_TIMEOUT_S="0.3"
        )
        client = build_provider(settings)
        assert client is not None
        llm_server.script(Reply("late", delay_s=5))
        started = time.monotonic()
        try:
            with pytest.raises(LLMTimeout):
                await client.complete(REQUEST)
        finally:
            await client.aclose()
        assert time.monotonic() - started < 2
