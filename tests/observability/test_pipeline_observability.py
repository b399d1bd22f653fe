"""A run through the API: the runner times and logs each stage, the service counts the case."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from log_helpers import events, json_lines
from metrics_helpers import sample

from denialops.api.dependencies import get_pipeline
from denialops.config import Settings
from denialops.errors import InvalidInput
from denialops.observability.metrics import Metrics
from denialops.pipeline.context import CaseContext
from denialops.pipeline.runner import PipelineRunner
from denialops.samples import sample_path

pytestmark = pytest.mark.anyio

STAGES = ["extract_text", "extract_facts", "route", "plan", "documents", "grounding"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"log_format": "json"})


async def run_sample(client: AsyncClient) -> tuple[str, int]:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", sample_path().read_bytes())},
    )
    return case_id, (await client.post(f"/api/v1/cases/{case_id}/run")).status_code


class TestStages:
    async def test_each_stage_is_logged_with_case_id_and_duration(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        case_id, status = await run_sample(client)
        assert status == 200
        done = events(json_lines(capsys), "pipeline.stage_done")
        assert [line["stage"] for line in done] == STAGES
        assert {line["case_id"] for line in done} == {case_id}
        assert all(line["ms"] >= 0 for line in done)
        assert len({line["request_id"] for line in done}) == 1  # the run's request

    async def test_each_stage_is_observed_once_per_run(
        self, client: AsyncClient, metrics: Metrics
    ) -> None:
        for _ in range(2):
            await run_sample(client)
        for stage in STAGES:
            assert sample(metrics, "denialops_pipeline_stage_seconds_count", stage=stage) == 2

    async def test_a_crashed_stage_is_still_timed(
        self, app: FastAPI, client: AsyncClient, metrics: Metrics
    ) -> None:
        class Crash:
            name = "crash"
            required = True

            def __call__(self, ctx: CaseContext) -> CaseContext:
                raise RuntimeError("bug")

        runner = PipelineRunner([Crash()], observer=metrics)
        app.dependency_overrides[get_pipeline] = lambda: runner
        _, status = await run_sample(client)
        assert status == 500
        assert sample(metrics, "denialops_pipeline_stage_seconds_count", stage="crash") == 1


class TestCases:
    async def test_a_completed_run_counts_its_route(
        self, client: AsyncClient, metrics: Metrics
    ) -> None:
        await run_sample(client)
        assert sample(metrics, "denialops_cases_total", route="prior_auth_needed") == 1

    async def test_a_failed_run_is_not_counted(
        self, app: FastAPI, client: AsyncClient, metrics: Metrics
    ) -> None:
        class Unreadable:
            name = "extract_text"
            required = True

            def __call__(self, ctx: CaseContext) -> CaseContext:
                raise InvalidInput("unreadable")

        app.dependency_overrides[get_pipeline] = lambda: PipelineRunner([Unreadable()])
        _, status = await run_sample(client)
        assert status == 422
        body = (await client.get("/metrics")).text
        assert "denialops_cases_total{" not in body
