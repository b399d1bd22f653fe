"""Exercise 5.2, automated: the model's provider goes down and comes back, and the service
keeps serving throughout.

A real app (lifespan, SQLite, the configured OpenAI client through every layer) talks to the
loopback fake OpenAI server. While the server answers 500, runs complete on the deterministic
path and say so; the breaker opens and readiness turns "degraded" (still 200); while it is
open no request reaches the provider. Once the provider answers again and the cool-down has
passed, the next run closes the breaker and uses the model; readiness is "ok" again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from denialops.main import create_app
from denialops.pipeline.documents import WITHOUT_LLM
from denialops.samples import sample_path

from .fake_providers import FakeLLMServer, RecordedRequest, Reply, Respond, server_error
from .stage_helpers import kind_of, openai_settings

pytestmark = pytest.mark.anyio

COOLDOWN_S = 0.3
GROUNDED = "Cascade Health Plan needs its approval on file before it pays for the knee MRI."


def healthy_model(request: RecordedRequest) -> Reply:
    if kind_of(request) == "extract":
        return Reply(json.dumps({"fax": "1-800-555-0199"}))
    return Reply(json.dumps({"explanation": [GROUNDED], "letter_paragraphs": []}))


@pytest.fixture
async def app(llm_server: FakeLLMServer, tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = openai_settings(
        llm_server.url,
        tmp_path,
        llm_breaker_failures=2,
        llm_breaker_cooldown_s=COOLDOWN_S,
        llm_timeout_s=5,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def run_case(client: AsyncClient) -> dict[str, Any]:
    case_id = (await client.post("/api/v1/cases")).json()["case_id"]
    files = {"file": ("letter.txt", sample_path().read_bytes())}
    assert (await client.post(f"/api/v1/cases/{case_id}/documents", files=files)).is_success
    response = await client.post(f"/api/v1/cases/{case_id}/run")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def artifact(client: AsyncClient, result: dict[str, Any], name: str) -> str:
    response = await client.get(f"/api/v1/cases/{result['case_id']}/artifacts/{name}")
    assert response.status_code == 200
    return response.text


async def readiness(client: AsyncClient) -> dict[str, Any]:
    response = await client.get("/health/ready")
    assert response.status_code == 200  # degraded is still ready
    body: dict[str, Any] = response.json()
    return body


async def test_the_service_degrades_and_recovers_with_its_llm(
    client: AsyncClient, llm_server: FakeLLMServer
) -> None:
    # The provider is down: the run completes without it and says so.
    llm_server.always(server_error(500))
    failed = await run_case(client)
    assert failed["status"] == "completed"
    assert failed["llm"]["provider"] == "openai"
    assert failed["llm"]["status"] == "fallback"
    assert failed["llm"]["failures"] == 2  # extraction and explanation
    assert {"appeal_letter.md", "action_plan.md"} <= {a["name"] for a in failed["artifacts"]}
    assert WITHOUT_LLM in await artifact(client, failed, "action_plan.md")
    assert json.loads(await artifact(client, failed, "llm_usage.json"))["status"] == "fallback"

    # Two failures in a row: the breaker is open, readiness degraded but still 200.
    health = await readiness(client)
    assert health["status"] == "degraded"
    assert health["components"]["llm"]["status"] == "degraded"
    assert health["components"]["database"]["status"] == "ok"

    # While it is open, runs still complete and no request reaches the provider.
    seen = len(llm_server.requests)
    paused = await run_case(client)
    assert paused["llm"]["status"] == "fallback"
    assert any("llm_circuit_open" in warning for warning in paused["warnings"])
    assert len(llm_server.requests) == seen

    # The provider is back; after the cool-down the next run is the trial that closes it.
    llm_server.always(Respond(healthy_model))
    await anyio.sleep(COOLDOWN_S + 0.05)
    health = await readiness(client)
    assert health["status"] == "ok"
    assert health["components"]["llm"]["detail"].endswith("circuit half_open")
    recovered = await run_case(client)
    assert recovered["llm"]["status"] == "used"
    assert recovered["llm"]["calls"] == 2
    assert recovered["llm"]["input_tokens"] > 0
    assert recovered["llm"]["cost_usd"] > 0
    assert recovered["warnings"] == []
    plan_md = await artifact(client, recovered, "action_plan.md")
    assert GROUNDED in plan_md
    assert WITHOUT_LLM not in plan_md
    facts = json.loads(await artifact(client, recovered, "case_facts.json"))
    assert facts["contact_info"]["fax"] == "1-800-555-0199"

    health = await readiness(client)
    assert health["status"] == "ok"
    assert health["components"]["llm"]["detail"].endswith("circuit closed")
    metrics = (await client.get("/metrics")).text
    assert "denialops_circuit_state 0.0" in metrics
    assert 'denialops_llm_call_seconds_count{outcome="circuit_open",provider="openai"}' in metrics
