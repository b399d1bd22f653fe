"""The health verdict over checks: required down → down, anything else off → degraded."""

from __future__ import annotations

import asyncio

import pytest

from denialops.observability.health import (
    ComponentHealth,
    HealthCheck,
    HealthRegistry,
    State,
    StaticCheck,
    StorageCheck,
    default_registry,
    run_checks,
)
from denialops.storage.memory import MemoryCaseStorage

pytestmark = pytest.mark.anyio


class Fixed:
    """A check that answers `status` (or raises `error`, or hangs)."""

    def __init__(
        self,
        name: str,
        status: State = "ok",
        *,
        required: bool = False,
        error: Exception | None = None,
        hang: bool = False,
    ) -> None:
        self.name = name
        self.required = required
        self.status: State = status
        self.error = error
        self.hang = hang

    async def check(self) -> ComponentHealth:
        if self.hang:
            await asyncio.sleep(60)
        if self.error is not None:
            raise self.error
        return ComponentHealth(status=self.status)


class TestVerdict:
    async def test_all_ok_is_ok(self) -> None:
        report = await run_checks([Fixed("database", required=True), Fixed("cache")])
        assert report.status == "ok"

    async def test_optional_component_down_is_degraded(self) -> None:
        report = await run_checks([Fixed("database", required=True), Fixed("cache", "down")])
        assert report.status == "degraded"
        assert report.components["cache"].status == "down"

    async def test_optional_component_degraded_is_degraded(self) -> None:
        report = await run_checks([Fixed("database", required=True), Fixed("llm", "degraded")])
        assert report.status == "degraded"

    async def test_required_component_down_is_down(self) -> None:
        checks: list[HealthCheck] = [Fixed("database", "down", required=True), Fixed("cache")]
        assert (await run_checks(checks)).status == "down"

    async def test_a_raising_check_is_down_by_exception_type_only(self) -> None:
        secret = ConnectionError("postgresql://app:hunter2@db/denialops refused")
        report = await run_checks([Fixed("database", required=True, error=secret)])
        assert report.status == "down"
        assert report.components["database"].detail == "ConnectionError"
        assert "hunter2" not in report.model_dump_json()

    async def test_a_hanging_check_times_out_as_down(self) -> None:
        report = await run_checks([Fixed("queue", hang=True)], timeout_s=0.05)
        queue = report.components["queue"]
        assert (queue.status, queue.detail) == ("down", "timed out")
        assert report.status == "degraded"

    async def test_every_component_gets_its_latency(self) -> None:
        report = await run_checks([Fixed("database", required=True), Fixed("cache", "down")])
        assert all(c.latency_ms is not None for c in report.components.values())


class TestRegistry:
    def test_placeholders_for_cache_queue_and_llm(self) -> None:
        names = [check.name for check in default_registry().checks()]
        assert names == ["cache", "queue", "llm"]

    def test_registering_a_name_replaces_its_placeholder(self) -> None:
        registry = default_registry()
        breaker = Fixed("llm", "degraded")
        registry.register(breaker)
        checks = registry.checks()
        assert len(checks) == 3
        assert breaker in checks

    async def test_placeholders_answer_ok_disabled(self) -> None:
        result = await StaticCheck("cache", "disabled").check()
        assert (result.status, result.detail) == ("ok", "disabled")

    async def test_storage_check_is_required_and_names_the_backend(self) -> None:
        check = StorageCheck(MemoryCaseStorage(), "sqlite")
        assert check.required
        assert (await check.check()).detail == "sqlite"

    def test_registry_starts_with_what_it_is_given(self) -> None:
        assert HealthRegistry().checks() == []
