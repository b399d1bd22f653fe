"""`/metrics`, with every metric family populated, passes `promtool check metrics`."""

from __future__ import annotations

import pytest
from httpx import AsyncClient
from promtool_helpers import assert_promtool_accepts

from denialops.observability.metrics import Metrics
from denialops.samples import sample_path

pytestmark = pytest.mark.anyio


async def test_metrics_endpoint_passes_promtool(client: AsyncClient, metrics: Metrics) -> None:
    case_id = (await client.post("/api/v1/cases")).json()["case_id"]
    await client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", sample_path().read_bytes())},
    )
    assert (await client.post(f"/api/v1/cases/{case_id}/run")).status_code == 200
    await client.get("/nowhere")
    metrics.observe_llm_call("openai", "ok", 1.2)
    metrics.cache_result(hit=False)
    metrics.set_circuit_state("half_open")
    metrics.set_jobs_queued(2)

    response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "denialops_pipeline_stage_seconds_bucket" in response.text
    assert_promtool_accepts(response.text)


def test_the_lint_can_fail() -> None:
    with pytest.raises(AssertionError, match="_total"):
        assert_promtool_accepts("# HELP jobs_done x\n# TYPE jobs_done counter\njobs_done 1\n")
