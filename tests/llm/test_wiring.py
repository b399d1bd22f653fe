"""From settings to a running app: `build_llm_client` returns the whole stack, its hooks
report to the metrics, the lifespan builds and closes one client and registers the breaker's
health check, and the pipeline gains its LLM stages only when there is a client."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from httpx import AsyncClient

from denialops.config import load_settings
from denialops.errors import LLMServerError
from denialops.llm.accounting import AccountingLLMClient
from denialops.llm.breaker import CircuitBreaker, CircuitBreakerLLMClient
from denialops.llm.cache import CachingLLMClient
from denialops.llm.client import build_llm_client
from denialops.llm.health import LLMBreakerCheck
from denialops.llm.observed import ObservedLLMClient, outcome_of
from denialops.llm.providers.openai import OpenAIClient
from denialops.llm.pseudonymise import PseudonymisingLLMClient
from denialops.llm.resilience import RetryingLLMClient, TimeoutLLMClient
from denialops.llm.wrapper import find_layer, layers
from denialops.main import create_app
from denialops.observability.metrics import Metrics
from denialops.pipeline.build import full_pipeline
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.llm.trace import USAGE_ARTIFACT
from denialops.samples import sample_path
from denialops.services.schemas import schema_for

from .fake_providers import FakeLLMServer, Reply
from .scripted import FakeClock, ScriptedLLM, request
from .stage_helpers import openai_settings

pytestmark = pytest.mark.anyio


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return value or 0.0


class TestStack:
    async def test_the_client_is_the_provider_in_every_layer(self, tmp_path: Path) -> None:
        settings = openai_settings("http://127.0.0.1:9", tmp_path)
        client = build_llm_client(settings, observer=Metrics())
        assert client is not None
        kinds = [type(layer) for layer in layers(client)]
        assert kinds == [
            AccountingLLMClient,
            ObservedLLMClient,
            PseudonymisingLLMClient,  # on by default for a cloud provider
            CachingLLMClient,
            CircuitBreakerLLMClient,
            RetryingLLMClient,
            TimeoutLLMClient,
            OpenAIClient,
        ]
        assert (client.provider, client.model) == ("openai", "gpt-4o-mini")
        await client.aclose()

    async def test_calls_cache_lookups_and_breaker_moves_reach_the_metrics(
        self, llm_server: FakeLLMServer, tmp_path: Path
    ) -> None:
        metrics = Metrics()
        settings = openai_settings(llm_server.url, tmp_path, llm_breaker_failures=1)
        client = build_llm_client(settings, observer=metrics)
        assert client is not None
        llm_server.script(Reply("hello"))
        try:
            await client.complete(request("What does CO-197 mean?"))
            await client.complete(request("What does CO-197 mean?"))  # from the cache
            # The next request is unscripted: the fake answers 599, a server error.
            with pytest.raises(LLMServerError):
                await client.complete(request("Another question"))
        finally:
            await client.aclose()
        seconds = "denialops_llm_call_seconds_count"
        assert sample(metrics, seconds, provider="openai", outcome="ok") == 1
        assert sample(metrics, seconds, provider="openai", outcome="cache_hit") == 1
        assert sample(metrics, seconds, provider="openai", outcome="server_error") == 1
        assert sample(metrics, "denialops_cache_requests_total", result="hit") == 1
        assert sample(metrics, "denialops_cache_requests_total", result="miss") == 2
        assert sample(metrics, "denialops_circuit_state") == 2  # open after one failure

    def test_outcomes_are_short_fixed_words(self) -> None:
        assert outcome_of(LLMServerError()) == "server_error"
        assert outcome_of(KeyError("x")) == "error"


class TestHealthCheck:
    async def test_open_is_degraded_half_open_and_closed_are_ok(self) -> None:
        clock = FakeClock()
        breaker = CircuitBreaker(failure_threshold=1, cooldown_s=10, clock=clock)
        client = CircuitBreakerLLMClient(ScriptedLLM(script=[LLMServerError()]), breaker)
        check = LLMBreakerCheck(client)
        assert (await check.check()).status == "ok"
        with pytest.raises(LLMServerError):
            await client.complete(request())
        health = await check.check()
        assert health.status == "degraded"
        assert health.detail == "fake/fake-1, circuit open"
        clock.advance(10)
        health = await check.check()
        assert health.status == "ok"
        assert health.detail == "fake/fake-1, circuit half_open"
        assert not check.required


class TestLifespan:
    async def test_the_lifespan_builds_registers_and_closes_one_client(
        self, llm_server: FakeLLMServer, tmp_path: Path
    ) -> None:
        app = create_app(openai_settings(llm_server.url, tmp_path))
        async with app.router.lifespan_context(app):
            client = app.state.llm
            assert client is not None
            assert find_layer(client, OpenAIClient) is not None
            names = [check.name for check in app.state.health.checks()]
            assert names.count("llm") == 1
            assert any(isinstance(c, LLMBreakerCheck) for c in app.state.health.checks())
            stages = [stage.name for stage in app.state.pipeline.stages]
            assert stages == [
                "extract_text",
                "extract_facts",
                "llm_extract",
                "route",
                "plan",
                "llm_explain",
                "documents",
                "grounding",
            ]
        provider = find_layer(client, OpenAIClient)
        assert provider is not None
        assert provider._sdk.is_closed()

    async def test_without_a_provider_there_is_no_client_and_no_llm_stage(
        self, tmp_path: Path
    ) -> None:
        app = create_app(load_settings(data_dir=tmp_path, environment="test"))
        async with app.router.lifespan_context(app):
            assert app.state.llm is None
            assert not app.state.pipeline.has_async_stages
            assert [s.name for s in app.state.pipeline.stages] == [
                s.name for s in full_pipeline().stages
            ]


class TestRunResult:
    async def test_a_run_without_a_provider_says_the_llm_is_disabled(
        self, client: AsyncClient
    ) -> None:
        case_id = (await client.post("/api/v1/cases")).json()["case_id"]
        files = {"file": ("letter.txt", sample_path().read_bytes())}
        await client.post(f"/api/v1/cases/{case_id}/documents", files=files)
        body = (await client.post(f"/api/v1/cases/{case_id}/run")).json()
        assert body["llm"]["provider"] == "none"
        assert body["llm"]["status"] == "disabled"
        assert body["llm"]["calls"] == 0
        assert body["llm"]["rejected_values"] == 0
        assert USAGE_ARTIFACT not in {a["name"] for a in body["artifacts"]}

    async def test_the_usage_artifact_matches_its_published_schema(self) -> None:
        reply = json.dumps({"explanation": ["Ask the plan to look again."]})
        runner = full_pipeline(llm=AccountingLLMClient(ScriptedLLM(script=["{}", reply])))
        letter = InputDocument(sample_path().read_bytes(), "text/plain")
        ctx = await runner.run(CaseContext(letter=letter))
        usage = json.loads(ctx.artifacts[USAGE_ARTIFACT].data)
        jsonschema.validate(usage, schema_for("llm_usage"))
        assert usage["status"] == "used"
        assert usage["calls"] == 2
