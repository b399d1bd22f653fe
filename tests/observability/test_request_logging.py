"""Every request is logged once (`http.request`) and counted, whatever answered it: a route,
validation, the 404 of no route, the body limit's 413, or the 500 of an unexpected error."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from log_helpers import events, json_lines
from metrics_helpers import sample

from denialops.api.dependencies import get_case_service
from denialops.config import Settings
from denialops.observability.metrics import Metrics

pytestmark = pytest.mark.anyio

CASE = "/api/v1/cases/{case_id}"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"log_format": "json", "log_level": "DEBUG"})


async def new_case(client: AsyncClient) -> str:
    case_id: str = (await client.post("/api/v1/cases")).json()["case_id"]
    return case_id


class TestOneLinePerRequest:
    async def test_line_has_template_status_duration_request_id_and_client(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        case_id = await new_case(client)
        json_lines(capsys)
        response = await client.get(f"/api/v1/cases/{case_id}")
        [line] = events(json_lines(capsys), "http.request")
        assert line["method"] == "GET"
        assert line["route"] == CASE
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["client"] == "127.0.0.1"
        assert line["case_id"] == case_id
        assert line["level"] == "info"

    async def test_every_request_is_logged_exactly_once(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        case_id = await new_case(client)
        await client.get(f"/api/v1/cases/{case_id}/events")
        await client.get("/api/v1/cases/no-such-case")
        await client.get("/nowhere")
        await client.get("/api/v1/cases", params={"limit": 0})
        lines = events(json_lines(capsys), "http.request")
        assert [(line["route"], line["status"]) for line in lines] == [
            ("/api/v1/cases", 201),
            ("/api/v1/cases/{case_id}/events", 200),
            (CASE, 404),
            ("unmatched", 404),
            ("/api/v1/cases", 422),
        ]

    async def test_a_case_id_that_we_could_not_have_issued_is_not_logged(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        await client.get("/api/v1/cases/Maria-Delgado")
        [line] = events(json_lines(capsys), "http.request")
        assert line["route"] == CASE
        assert "case_id" not in line
        assert "Maria" not in str(line)


class TestStatusesAnsweredOutsideTheRoute:
    async def test_413_before_routing_still_gets_its_route_template(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str], max_upload: int
    ) -> None:
        case_id = await new_case(client)
        json_lines(capsys)
        response = await client.post(
            f"/api/v1/cases/{case_id}/documents",
            files={"file": ("letter.txt", b"x" * (max_upload * 2))},
        )
        assert response.status_code == 413
        [line] = events(json_lines(capsys), "http.request")
        assert (line["route"], line["status"]) == ("/api/v1/cases/{case_id}/documents", 413)

    async def test_405_is_logged_under_the_route_it_missed(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        await client.put("/health/live")
        [line] = events(json_lines(capsys), "http.request")
        assert (line["route"], line["status"]) == ("/health/live", 405)

    async def test_unexpected_error_is_logged_as_the_500_the_client_got(
        self, app: FastAPI, metrics: Metrics, capsys: pytest.CaptureFixture[str]
    ) -> None:
        def broken() -> None:
            raise RuntimeError("a bug")

        app.dependency_overrides[get_case_service] = broken
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get(f"/api/v1/cases/{uuid.uuid4()}")
        assert response.status_code == 500
        [line] = events(json_lines(capsys), "http.request")
        assert (line["route"], line["status"], line["level"]) == (CASE, 500, "warning")
        assert sample(metrics, "http_requests_total", method="GET", endpoint=CASE, status="500")


class TestRequestId:
    async def test_a_valid_request_id_is_echoed_and_logged(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        request_id = uuid.uuid4().hex
        response = await client.get("/health/live", headers={"X-Request-ID": request_id})
        assert response.headers["x-request-id"] == request_id
        [line] = events(json_lines(capsys), "http.request")
        assert line["request_id"] == request_id

    async def test_one_is_generated_when_none_is_sent(self, client: AsyncClient) -> None:
        first = (await client.get("/health/live")).headers["x-request-id"]
        second = (await client.get("/health/live")).headers["x-request-id"]
        assert first != second
        assert uuid.UUID(first).version == 4

    async def test_a_malformed_request_id_is_replaced_not_echoed_or_logged(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        sent = "Maria Delgado CHP55810274"
        response = await client.get("/health/live", headers={"X-Request-ID": sent})
        assert response.headers["x-request-id"] != sent
        assert uuid.UUID(response.headers["x-request-id"])
        assert sent not in capsys.readouterr().err

    async def test_error_bodies_quote_the_logged_request_id(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        response = await client.get("/api/v1/cases/no-such-case")
        [line] = events(json_lines(capsys), "http.request")
        assert response.json()["error"]["request_id"] == line["request_id"]


class TestLevels:
    async def test_scrapes_and_probes_log_at_debug(
        self, client: AsyncClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        for path in ("/metrics", "/health/live", "/health/ready", "/health"):
            assert (await client.get(path)).status_code == 200
        lines = events(json_lines(capsys), "http.request")
        assert [line["level"] for line in lines] == ["debug"] * 4

    async def test_at_info_a_scrape_writes_nothing(
        self, app: FastAPI, settings: Settings, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from denialops.logs import configure_logging

        configure_logging(settings.model_copy(update={"log_level": "INFO"}))
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
            await client.get("/metrics")
            await client.get("/nowhere")
        lines = events(json_lines(capsys), "http.request")
        assert [line["route"] for line in lines] == ["unmatched"]


class TestRequestMetrics:
    async def test_requests_are_counted_by_template_not_path(
        self, client: AsyncClient, metrics: Metrics
    ) -> None:
        for _ in range(3):
            await client.get(f"/api/v1/cases/{uuid.uuid4()}")
        await client.get("/nowhere/at/all")
        labels = {"method": "GET", "endpoint": CASE}
        assert sample(metrics, "http_requests_total", **labels, status="404") == 3
        assert sample(metrics, "http_request_duration_seconds_count", **labels) == 3
        unmatched = {"method": "GET", "endpoint": "unmatched", "status": "404"}
        assert sample(metrics, "http_requests_total", **unmatched) == 1
        body = (await client.get("/metrics")).text
        assert "/nowhere" not in body
