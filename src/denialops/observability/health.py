"""Health checks: one small interface per component, a registry on `app.state`, one verdict.

A `HealthCheck` answers for one component ("database", "cache", "queue", "llm"). The app
builds a `HealthRegistry` (`app.state.health`) holding a placeholder for each optional
component; a layer that comes to exist registers its own check under the same name, replacing
the placeholder (the LLM layer adds its breaker check, a Redis cache its ping). The database
check is built per request from `StorageDep`, so a test's storage override is what is checked.

The verdict: "down" only when a *required* component is down, because then the service cannot
serve (readiness answers 503); "degraded" when it serves but something is off (the LLM
breaker is open, so runs take the deterministic path; the Redis cache is down, so nothing is
cached); "ok" otherwise. A check's failure is reported by exception type only: messages can
carry connection strings.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence
from typing import Final, Literal, Protocol

from pydantic import BaseModel

from denialops.storage.base import CaseStorage

State = Literal["ok", "degraded", "down"]

CHECK_TIMEOUT_S: Final = 2.0


class ComponentHealth(BaseModel):
    """One component's state, how long its check took, and a short note (never a secret)."""

    status: State
    latency_ms: float | None = None
    detail: str | None = None


class HealthCheck(Protocol):
    """Answers for one component. `required`: when it is down, the service cannot serve."""

    @property
    def name(self) -> str: ...

    @property
    def required(self) -> bool: ...

    async def check(self) -> ComponentHealth:
        """The component's state now; raising counts as "down"."""
        ...


class StaticCheck:
    """A component that does not exist yet or is switched off: always "ok", with a note."""

    required = False

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self.detail = detail

    async def check(self) -> ComponentHealth:
        return ComponentHealth(status="ok", detail=self.detail)


class StorageCheck:
    """The case store answers a ping. Required: without it no request can be served."""

    name = "database"
    required = True

    def __init__(self, storage: CaseStorage, backend: str) -> None:
        self.storage = storage
        self.backend = backend

    async def check(self) -> ComponentHealth:
        await self.storage.ping()
        return ComponentHealth(status="ok", detail=self.backend)


class HealthRegistry:
    """The checks of the optional components, by name; registering a name replaces it."""

    def __init__(self, checks: Iterable[HealthCheck] = ()) -> None:
        self._checks: dict[str, HealthCheck] = {}
        for check in checks:
            self.register(check)

    def register(self, check: HealthCheck) -> None:
        self._checks[check.name] = check

    def checks(self) -> list[HealthCheck]:
        return list(self._checks.values())


def default_registry() -> HealthRegistry:
    """Placeholders for the components whose layers register real checks when they exist."""
    return HealthRegistry(
        [
            StaticCheck("cache", "disabled"),
            StaticCheck("queue", "disabled"),
            StaticCheck("llm", "disabled"),
        ]
    )


class HealthReport(BaseModel):
    """Every component's health and the verdict over them."""

    status: State
    components: dict[str, ComponentHealth]


async def run_checks(
    checks: Sequence[HealthCheck], timeout_s: float = CHECK_TIMEOUT_S
) -> HealthReport:
    """Run `checks` concurrently, each within `timeout_s`, and give the verdict."""
    results = await asyncio.gather(*(_probe(check, timeout_s) for check in checks))
    components = {check.name: result for check, result in zip(checks, results, strict=True)}
    return HealthReport(status=verdict(checks, components), components=components)


def verdict(checks: Sequence[HealthCheck], results: dict[str, ComponentHealth]) -> State:
    """The verdict: "down" when a required component is down, "degraded" when any other is
    not ok, "ok" otherwise."""
    if any(c.required and results[c.name].status == "down" for c in checks):
        return "down"
    if any(r.status != "ok" for r in results.values()):
        return "degraded"
    return "ok"


async def _probe(check: HealthCheck, timeout_s: float) -> ComponentHealth:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_s):
            result = await check.check()
    except TimeoutError:
        result = ComponentHealth(status="down", detail="timed out")
    except Exception as e:  # any failure to answer means "down", whatever raised it
        result = ComponentHealth(status="down", detail=type(e).__name__)
    latency_ms = round((time.perf_counter() - started) * 1e3, 2)
    return result.model_copy(update={"latency_ms": latency_ms})
