"""What routes may ask for. Everything here was built once by the lifespan (see `main.py`) and
is handed out per request; tests swap any of it with `app.dependency_overrides`.

Every provider is `async def` although none awaits: FastAPI runs a plain `def` dependency in
its thread pool, one hop to a worker thread and back per dependency per request. These only
read `app.state` and build small objects, so they belong on the event loop; a request used to
pay four or five hops (most of its CPU time) before the route ran."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from denialops.config import Settings
from denialops.errors import Unauthorized
from denialops.llm.client import BaseLLMClient
from denialops.observability.health import HealthCheck, HealthRegistry, StorageCheck
from denialops.observability.metrics import Metrics
from denialops.pipeline.runner import PipelineRunner
from denialops.security.crypto import DocumentCipher
from denialops.services.analysis import AnalysisService
from denialops.services.cases import CaseService
from denialops.services.explain import ExplainService
from denialops.storage.base import CaseStorage
from denialops.storage.scoped import TenantScopedStorage


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_storage(request: Request) -> CaseStorage:
    storage: CaseStorage = request.app.state.storage
    return storage


SettingsDep = Annotated[Settings, Depends(get_settings)]
StorageDep = Annotated[CaseStorage, Depends(get_storage)]


async def get_tenant(request: Request) -> str:
    """The tenant this request acts for, as `AccessMiddleware` established it (api/access.py)."""
    tenant = getattr(request.state, "tenant", None)
    if not isinstance(
        tenant, str
    ):  # only if the middleware did not run: never serve a case unscoped
        raise Unauthorized("an API key is required: send Authorization: Bearer <key>")
    return tenant


TenantDep = Annotated[str, Depends(get_tenant)]


async def get_actor(request: Request, tenant: TenantDep) -> str:
    """Who a request acts as, for the audit log (CaseDeleted's `by`): the id of its API key
    (never the key), or, when the service is open (loopback, no key), its tenant."""
    key_id = getattr(request.state, "api_key_id", None)
    return f"api_key:{key_id}" if isinstance(key_id, str) else f"tenant:{tenant}"


ActorDep = Annotated[str, Depends(get_actor)]


async def get_cipher(request: Request) -> DocumentCipher:
    cipher: DocumentCipher = request.app.state.cipher
    return cipher


CipherDep = Annotated[DocumentCipher, Depends(get_cipher)]


async def get_case_service(
    storage: StorageDep, settings: SettingsDep, tenant: TenantDep, cipher: CipherDep
) -> CaseService:
    # The service sees the caller's cases only: another tenant's case is a plain 404.
    return CaseService(TenantScopedStorage(storage, tenant), settings, cipher)


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]


async def get_pipeline(request: Request) -> PipelineRunner:
    pipeline: PipelineRunner = request.app.state.pipeline
    return pipeline


PipelineDep = Annotated[PipelineRunner, Depends(get_pipeline)]


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


async def get_health_checks(
    request: Request, storage: StorageDep, settings: SettingsDep
) -> list[HealthCheck]:
    """The database check (over the storage this request would use) and the registered ones."""
    registry: HealthRegistry = request.app.state.health
    return [StorageCheck(storage, settings.storage_backend.value), *registry.checks()]


HealthChecksDep = Annotated[list[HealthCheck], Depends(get_health_checks)]


async def get_analysis_service(
    storage: StorageDep,
    pipeline: PipelineDep,
    metrics: MetricsDep,
    tenant: TenantDep,
    cipher: CipherDep,
) -> AnalysisService:
    return AnalysisService(TenantScopedStorage(storage, tenant), pipeline, metrics, cipher=cipher)


AnalysisServiceDep = Annotated[AnalysisService, Depends(get_analysis_service)]


async def get_llm(request: Request) -> BaseLLMClient | None:
    """The process's one LLM client (None when LLM_PROVIDER=none, or before the lifespan)."""
    llm: BaseLLMClient | None = getattr(request.app.state, "llm", None)
    return llm


LLMDep = Annotated[BaseLLMClient | None, Depends(get_llm)]


async def get_explain_service(
    storage: StorageDep, llm: LLMDep, settings: SettingsDep, tenant: TenantDep
) -> ExplainService:
    return ExplainService(
        TenantScopedStorage(storage, tenant), llm, temperature=settings.llm_temperature
    )


ExplainServiceDep = Annotated[ExplainService, Depends(get_explain_service)]
