"""Health endpoints: `/health/live` (the process answers), `/health/ready` (it can serve: 503
only when a required component, the database, is down; "degraded" when it serves with
something optional off), `/health/detailed` (every component with its latency, and what is
running), and `/health` (the summary the original DenialOps clients call: same as ready).

The checks themselves live in `observability/health.py`; see there for how layers add theirs.
"""

from __future__ import annotations

import platform

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from denialops import __version__
from denialops.api.dependencies import HealthChecksDep, SettingsDep
from denialops.observability.health import ComponentHealth, HealthReport, State, run_checks

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The verdict, the version, and each component's state."""

    status: State
    version: str
    components: dict[str, ComponentHealth] = {}


class DetailedHealth(Health):
    """`Health` plus what is running. Settings are described, never copied: no secrets."""

    environment: str
    storage_backend: str
    python_version: str


def _answer(report: HealthReport, response: Response) -> Health:
    if report.status == "down":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status=report.status, version=__version__, components=report.components)


@router.get("/health/live", response_model=Health)
async def live() -> Health:
    """The process is up and its event loop answers (no dependency is consulted)."""
    return Health(status="ok", version=__version__)


@router.get("/health/ready", response_model=Health)
async def ready(checks: HealthChecksDep, response: Response) -> Health:
    """Ready to serve. 503 only when a required component (the database) is down."""
    return _answer(await run_checks(checks), response)


@router.get("/health/detailed", response_model=DetailedHealth)
async def detailed(
    checks: HealthChecksDep, settings: SettingsDep, response: Response
) -> DetailedHealth:
    """Every component with its state and latency, the version, and what is configured."""
    summary = _answer(await run_checks(checks), response)
    return DetailedHealth(
        **summary.model_dump(),
        environment=settings.environment,
        storage_backend=settings.storage_backend.value,
        python_version=platform.python_version(),
    )


@router.get("/health", response_model=Health)
async def health(checks: HealthChecksDep, response: Response) -> Health:
    """Summary health (the readiness checks), for the original DenialOps clients."""
    return _answer(await run_checks(checks), response)
