"""`POST /cases/{id}/run` and what it publishes: artifacts, schemas, renderings, events."""

from __future__ import annotations

import io
import time
from typing import Any, ClassVar

import anyio
import jsonschema
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from PIL import Image

from denialops.api.dependencies import get_pipeline
from denialops.pipeline.build import full_pipeline
from denialops.pipeline.context import CaseContext
from denialops.pipeline.runner import PipelineRunner
from denialops.samples import sample_path
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio


def blank_png() -> bytes:
    """A photo of an empty page: a valid image with nothing to read."""
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="PNG")
    return buffer.getvalue()


async def case_with_letter(
    client: AsyncClient, letter: bytes | None = None, filename: str = "letter.txt"
) -> str:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    response = await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (filename, letter or sample_path().read_bytes())},
        data={"doc_type": "denial_letter"},
    )
    assert response.status_code == 201
    return case_id


class TestRun:
    async def test_run_returns_the_original_fields(self, client: AsyncClient) -> None:
        case_id = await case_with_letter(client)
        response = await client.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "completed"
        assert body["route"] == "prior_auth_needed"
        assert 0.5 <= body["confidence"] <= 1
        names = {a["name"] for a in body["artifacts"]}
        assert {
            "extracted_text.txt",
            "case_facts.json",
            "route.json",
            "action_plan.json",
            "action_plan.md",
            "appeal_letter.md",
            "pa_checklist.md",
            "call_script.md",
            "deadlines.ics",
            "grounding_report.json",
        } <= names
        case = (await client.get(f"/api/v1/cases/{case_id}")).json()
        assert case["status"] == "completed"
        assert case["route"] == "prior_auth_needed"

    async def test_no_denial_letter_is_409(self, client: AsyncClient) -> None:
        case_id = (await client.post("/api/v1/cases")).json()["case_id"]
        response = await client.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "no_denial_letter"

    async def test_unknown_case_is_404(self, client: AsyncClient) -> None:
        assert (await client.post("/api/v1/cases/nope/run")).status_code == 404

    async def test_unreadable_letter_fails_visibly_and_is_logged(self, client: AsyncClient) -> None:
        case_id = await case_with_letter(client, blank_png(), "photo.png")
        response = await client.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "no_readable_text"
        events = (await client.get(f"/api/v1/cases/{case_id}/events")).json()["events"]
        assert events[-1]["type"] == "PipelineFailed"
        assert events[-1]["payload"] == {"stage": "extract_text", "error": "no_readable_text"}
        assert (await client.get(f"/api/v1/cases/{case_id}")).json()["status"] == "failed"

    async def test_each_stage_is_an_event_with_its_duration(self, client: AsyncClient) -> None:
        case_id = await case_with_letter(client)
        await client.post(f"/api/v1/cases/{case_id}/run")
        events = (await client.get(f"/api/v1/cases/{case_id}/events")).json()["events"]
        stages = [e["payload"] for e in events if e["type"] == "StageCompleted"]
        assert [s["stage"] for s in stages] == [
            "extract_text",
            "extract_facts",
            "route",
            "plan",
            "documents",
            "grounding",
        ]
        assert all(s["ms"] >= 0 for s in stages)
        assert [e["type"] for e in events][-1] == "PipelineCompleted"

    async def test_a_second_run_replaces_the_results(self, client: AsyncClient) -> None:
        case_id = await case_with_letter(client)
        first = (await client.post(f"/api/v1/cases/{case_id}/run")).json()
        second = (await client.post(f"/api/v1/cases/{case_id}/run")).json()
        assert first["route"] == second["route"]
        listed = (await client.get(f"/api/v1/cases/{case_id}/artifacts")).json()["artifacts"]
        assert len(listed) == len({a["name"] for a in listed})


class TestPublishedArtifacts:
    async def test_every_json_artifact_validates_against_its_schema(
        self, client: AsyncClient
    ) -> None:
        case_id = await case_with_letter(client)
        await client.post(f"/api/v1/cases/{case_id}/run")
        for name in ("case_facts", "route", "action_plan", "grounding_report"):
            schema = (await client.get(f"/api/v1/schemas/{name}")).json()
            artifact = (await client.get(f"/api/v1/cases/{case_id}/artifacts/{name}.json")).json()
            jsonschema.validate(artifact, schema)

    async def test_a_wrong_artifact_does_not_validate(self, client: AsyncClient) -> None:
        schema = (await client.get("/api/v1/schemas/route")).json()
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"route": "not_a_route", "confidence": 2}, schema)

    async def test_unknown_schema_is_404(self, client: AsyncClient) -> None:
        response = await client.get("/api/v1/schemas/passwords")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "schema_not_found"

    @pytest.mark.parametrize(
        ("name", "content_type"),
        [
            ("appeal_letter.md", "text/markdown"),
            ("route.json", "application/json"),
            ("deadlines.ics", "text/calendar"),
            ("extracted_text.txt", "text/plain"),
        ],
    )
    async def test_artifacts_have_their_content_type(
        self, client: AsyncClient, name: str, content_type: str
    ) -> None:
        case_id = await case_with_letter(client)
        await client.post(f"/api/v1/cases/{case_id}/run")
        response = await client.get(f"/api/v1/cases/{case_id}/artifacts/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(content_type)

    async def test_pdf_and_docx_are_made_on_first_request_and_kept(
        self, client: AsyncClient, memory_storage: MemoryCaseStorage
    ) -> None:
        case_id = await case_with_letter(client)
        await client.post(f"/api/v1/cases/{case_id}/run")
        before = len(await memory_storage.events(case_id))
        pdf = await client.get(f"/api/v1/cases/{case_id}/artifacts/appeal_letter.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        again = await client.get(f"/api/v1/cases/{case_id}/artifacts/appeal_letter.pdf")
        assert again.content == pdf.content
        assert len(await memory_storage.events(case_id)) == before + 1  # rendered once
        docx = await client.get(f"/api/v1/cases/{case_id}/artifacts/appeal_letter.docx")
        assert docx.content.startswith(b"PK")

    async def test_rendering_of_a_missing_document_is_404(self, client: AsyncClient) -> None:
        case_id = await case_with_letter(client)
        await client.post(f"/api/v1/cases/{case_id}/run")
        response = await client.get(f"/api/v1/cases/{case_id}/artifacts/nonexistent.pdf")
        assert response.status_code == 404


class _Slow:
    """A stage that holds its thread like OCR does."""

    name: ClassVar[str] = "slow"
    required: ClassVar[bool] = True

    def __call__(self, ctx: CaseContext) -> CaseContext:
        time.sleep(0.6)
        return ctx


class _Fail:
    name: ClassVar[str] = "boom"
    required: ClassVar[bool] = True

    def __call__(self, ctx: CaseContext) -> CaseContext:
        raise RuntimeError("a bug")


class TestEventLoop:
    async def test_health_answers_while_a_stage_runs(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        """Stages run in worker threads: the event loop keeps serving during a run."""
        slow = PipelineRunner([_Slow(), *full_pipeline().stages])
        app.dependency_overrides[get_pipeline] = lambda: slow
        case_id = await case_with_letter(client)
        latencies: list[float] = []
        statuses: dict[str, Any] = {}

        async def run() -> None:
            statuses["run"] = (await client.post(f"/api/v1/cases/{case_id}/run")).status_code

        async with anyio.create_task_group() as tg:
            tg.start_soon(run)
            await anyio.sleep(0.1)
            started = time.perf_counter()
            assert (await client.get("/health/live")).status_code == 200
            latencies.append(time.perf_counter() - started)
        # Blocked, /health would wait for the 0.6 s stage; served, it answers at once.
        assert latencies[0] < 0.3
        assert statuses["run"] == 200

    async def test_an_unexpected_stage_error_is_a_clean_500(
        self, app: FastAPI, client: AsyncClient
    ) -> None:
        app.dependency_overrides[get_pipeline] = lambda: PipelineRunner([_Fail()])
        case_id = await case_with_letter(client)
        response = await client.post(f"/api/v1/cases/{case_id}/run")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert "a bug" not in response.text
        events = (await client.get(f"/api/v1/cases/{case_id}/events")).json()["events"]
        assert events[-1]["type"] == "PipelineFailed"  # not left "running"
