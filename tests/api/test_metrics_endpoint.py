"""`GET /metrics`: the app's own metrics, in the format the scraper asks for."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from denialops.api.dependencies import get_metrics
from denialops.observability.metrics import Metrics

pytestmark = pytest.mark.anyio


async def test_prometheus_text_by_default(client: AsyncClient) -> None:
    await client.get("/health/live")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert 'http_requests_total{endpoint="/health/live",method="GET",status="200"} 1.0' in (
        response.text
    )


async def test_openmetrics_when_asked(client: AsyncClient) -> None:
    response = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


async def test_each_app_reports_only_its_own_requests(app: FastAPI, client: AsyncClient) -> None:
    other = Metrics()
    other.case_completed("duplicate_claim")
    app.dependency_overrides[get_metrics] = lambda: other
    body = (await client.get("/metrics")).text
    assert 'denialops_cases_total{route="duplicate_claim"} 1.0' in body
    assert "http_requests_total{" not in body  # the app's own requests went to its own set
