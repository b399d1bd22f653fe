"""Health endpoints: `/health` (summary), `/health/live` (the process answers) and
`/health/ready` (the dependencies answer: 503 only when the service cannot serve)."""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel

from denialops import __version__
from denialops.api.dependencies import SettingsDep, StorageDep

router = APIRouter(tags=["health"])

State = Literal["ok", "degraded", "down"]


class ComponentHealth(BaseModel):
    status: State
    latency_ms: float | None = None
    detail: str | None = None


class Health(BaseModel):
    status: State
    version: str
    components: dict[str, ComponentHealth] = {}


async def _storage_health(storage: StorageDep) -> ComponentHealth:
    started = time.perf_counter()
    try:
        await storage.ping()
    except Exception as e:  # any failure to answer means "down", whatever raised it
        return ComponentHealth(status="down", detail=type(e).__name__)
    return ComponentHealth(status="ok", latency_ms=round((time.perf_counter() - started) * 1e3, 2))


@router.get("/health/live", response_model=Health)
async def live() -> Health:
    """The process is up and its event loop answers."""
    return Health(status="ok", version=__version__)


@router.get("/health/ready", response_model=Health)
async def ready(storage: StorageDep, settings: SettingsDep, response: Response) -> Health:
    """Ready to serve: the case store answers. 503 when it does not."""
    storage_health = await _storage_health(storage)
    overall: State = storage_health.status
    if overall == "down":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(
        status=overall,
        version=__version__,
        components={f"storage:{settings.storage_backend.value}": storage_health},
    )


@router.get("/health", response_model=Health)
async def health(storage: StorageDep, settings: SettingsDep, response: Response) -> Health:
    """Summary health (same checks as readiness), for the original DenialOps clients."""
    return await ready(storage, settings, response)
