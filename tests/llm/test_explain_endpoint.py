"""`POST /api/v1/cases/{id}/explain`: the explanation as Server-Sent Events, from the model
(sentence by sentence, each checked) or from the plan's own words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from denialops.api.dependencies import get_llm
from denialops.domain.plan import ActionPlan
from denialops.errors import LLMServerError
from denialops.llm.client import BaseLLMClient, build_llm_client
from denialops.render.explanation import deterministic_explanation, sentences
from denialops.samples import sample_path

from .fake_providers import FakeLLMServer, Reply
from .scripted import ScriptedLLM, StreamStep
from .stage_helpers import openai_settings

pytestmark = pytest.mark.anyio

GROUNDED = "Cascade Health Plan denied the MRI of your left knee. "
INVENTED = "You have until 2031-01-01 to appeal. "
NEXT = "Ask the provider's office to request approval now."

Event = tuple[str, dict[str, object]]


async def analysed_case(client: AsyncClient) -> str:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    files = {"file": ("letter.txt", sample_path().read_bytes())}
    await client.post(f"/api/v1/cases/{case_id}/documents", files=files)
    assert (await client.post(f"/api/v1/cases/{case_id}/run")).status_code == 200
    return case_id


async def explain(client: AsyncClient, case_id: str) -> list[Event]:
    """The events of one explanation, read as they stream."""
    events: list[Event] = []
    async with client.stream("POST", f"/api/v1/cases/{case_id}/explain") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def text_of(events: list[Event]) -> str:
    return "".join(str(data["text"]) for name, data in events if name == "chunk")


async def stored_plan(client: AsyncClient, case_id: str) -> ActionPlan:
    response = await client.get(f"/api/v1/cases/{case_id}/artifacts/action_plan.json")
    return ActionPlan.model_validate_json(response.content)


def use_llm(app: FastAPI, llm: BaseLLMClient) -> None:
    app.dependency_overrides[get_llm] = lambda: llm


class TestWithoutModel:
    async def test_the_plans_own_words_stream_sentence_by_sentence(
        self, client: AsyncClient
    ) -> None:
        case_id = await analysed_case(client)
        events = await explain(client, case_id)
        plan = await stored_plan(client, case_id)
        expected = [s.wire_text for s in sentences(deterministic_explanation(plan))]
        assert [data["text"] for name, data in events if name == "chunk"] == expected
        assert len(expected) > 3
        assert events[-1] == ("done", {"source": "deterministic", "rejected": 0})

    async def test_a_case_not_yet_analysed_is_a_conflict(self, client: AsyncClient) -> None:
        case_id = (await client.post("/api/v1/cases")).json()["case_id"]
        response = await client.post(f"/api/v1/cases/{case_id}/explain")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "case_not_analysed"

    async def test_an_unknown_case_is_not_found(self, client: AsyncClient) -> None:
        response = await client.post("/api/v1/cases/00000000-0000-4000-8000-000000000000/explain")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "case_not_found"


class TestWithModel:
    async def test_sentences_the_facts_do_not_support_are_dropped(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        case_id = await analysed_case(client)
        chunks = [GROUNDED[:20], GROUNDED[20:] + INVENTED[:9], INVENTED[9:], NEXT]
        use_llm(app, ScriptedLLM(streams=[StreamStep(chunks)]))
        events = await explain(client, case_id)
        assert text_of(events) == GROUNDED + NEXT + "\n\n"
        assert events[-1] == ("done", {"source": "llm", "rejected": 1})

    async def test_a_model_failing_before_a_word_falls_back_to_the_plan(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        case_id = await analysed_case(client)
        use_llm(app, ScriptedLLM(streams=[LLMServerError()]))
        events = await explain(client, case_id)
        plan = await stored_plan(client, case_id)
        assert text_of(events) == "".join(
            s.wire_text for s in sentences(deterministic_explanation(plan))
        )
        assert events[-1] == (
            "done",
            {"source": "deterministic", "rejected": 0, "fallback": "llm_server_error"},
        )

    async def test_a_model_failing_midway_ends_with_an_error_event(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        case_id = await analysed_case(client)
        step = StreamStep([GROUNDED, "And then"], error=LLMServerError("the model failed"))
        use_llm(app, ScriptedLLM(streams=[step]))
        events = await explain(client, case_id)
        assert text_of(events) == GROUNDED
        assert events[-1] == ("error", {"code": "llm_server_error", "message": "the model failed"})
        assert all(name != "done" for name, _ in events)

    async def test_against_the_loopback_openai_server(
        self, app: FastAPI, client: AsyncClient, llm_server: FakeLLMServer, tmp_path: Path
    ) -> None:
        case_id = await analysed_case(client)
        llm = build_llm_client(openai_settings(llm_server.url, tmp_path))
        assert llm is not None
        use_llm(app, llm)
        llm_server.script(Reply(GROUNDED + INVENTED + NEXT))
        try:
            events = await explain(client, case_id)
        finally:
            await llm.aclose()
        assert text_of(events) == GROUNDED + NEXT + "\n\n"
        assert events[-1] == ("done", {"source": "llm", "rejected": 1})
        (sent,) = llm_server.requests
        assert sent.streamed
        assert sent.path == "/v1/chat/completions"
        for identifier in ("CHP55810274", "GRP-40219", "25061-00873"):
            assert identifier not in sent.prompt_text()
