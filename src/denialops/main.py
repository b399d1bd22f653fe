"""The application factory. `create_app(settings)` wires routes, middleware and error handlers;
the lifespan builds the long-lived parts (storage, the LLM client, later queues) once and
puts them on `app.state`, from where `api/dependencies.py` hands them to routes.

Nothing is created at import time: `uvicorn --factory denialops.main:create_app` or
`denialops serve` build the app when the process starts.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import anyio.to_thread
import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI

from denialops import __version__
from denialops.api import health, routes
from denialops.api import metrics as metrics_api
from denialops.api.access import AccessMiddleware
from denialops.api.auth import Authenticator
from denialops.api.body_limit import BodySizeLimitMiddleware
from denialops.api.errors import install_error_handlers
from denialops.api.ratelimit import RateLimitCheck, RouteLimits, build_rate_limiter
from denialops.config import Settings, load_settings
from denialops.llm.client import build_llm_client
from denialops.llm.health import LLMBreakerCheck
from denialops.logs import configure_logging
from denialops.observability.health import default_registry
from denialops.observability.metrics import Metrics
from denialops.observability.middleware import RequestObservabilityMiddleware
from denialops.pipeline.build import full_pipeline, text_options, warm_up
from denialops.security.crypto import DocumentCipher
from denialops.services.api_keys import ensure_can_serve
from denialops.services.retention import periodic_purge
from denialops.storage import build_storage

log = structlog.get_logger(__name__)

# Pipeline stages and storage units run CPU-bound in worker threads beside the event loop, and
# CPython lets a thread hold the GIL for 5 ms before it must hand it over, so the loop waited in
# 5 ms steps to answer requests it could answer at once. With 1 ms, /health's p99 under full
# load fell from ≈ 42 to ≈ 15 ms, cases/s within run-to-run noise (`python -m bench throughput`).
GIL_SWITCH_INTERVAL_S = 0.001


@contextmanager
def gil_handoff(interval_s: float) -> Iterator[None]:
    """Run with the interpreter's GIL switch interval set to `interval_s`, then restore it."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(interval_s)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for `settings` (read from the environment when absent)."""
    settings = settings or load_settings()
    configure_logging(settings)
    # Built here, not in the lifespan: the middleware needs them, and tests that run no
    # lifespan (ASGITransport) still get metrics and health checks.
    metrics = Metrics.for_process()
    limiter = build_rate_limiter(settings)  # connects on first use, in the serving loop

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = await build_storage(settings)
        try:
            await ensure_can_serve(storage, settings)  # beyond loopback, a key must exist
            # One client for the process, built in the serving loop that will own its
            # connections; None for LLM_PROVIDER=none (the deterministic path).
            llm = build_llm_client(settings, observer=metrics)
        except BaseException:
            await storage.close()
            raise
        app.state.storage = app.state.api_keys = storage
        app.state.llm = llm
        if llm is not None:
            app.state.health.register(LLMBreakerCheck(llm))  # replaces the placeholder
        app.state.pipeline = full_pipeline(
            text_options(settings),
            observer=metrics,
            llm=llm,
            temperature=settings.llm_temperature,
        )
        log.info(
            "app.started",
            storage=settings.storage_backend.value,
            environment=settings.environment,
            version=__version__,
        )
        try:
            # Before serving: the first case's one-off costs are paid here, not by a user.
            await anyio.to_thread.run_sync(warm_up, text_options(settings))
            # The retention purge (off unless ARTIFACT_RETENTION_DAYS is set), cancelled first
            # on the way out, while the store it deletes from is still open.
            with gil_handoff(GIL_SWITCH_INTERVAL_S):
                async with periodic_purge(storage, settings) as purge_task:
                    app.state.retention_task = purge_task
                    yield
        finally:
            if llm is not None:
                await llm.aclose()
            await app.state.storage.close()
            if limiter is not None:
                await limiter.close()
            metrics.close()
            log.info("app.stopped")

    app = FastAPI(
        title="DenialOps",
        version=__version__,
        description="Explains claim denials and writes the documents to fight them.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Here, not in the lifespan: it reads (or, the first time, writes) DATA_DIR's key file
    # only, and tests that run no lifespan (ASGITransport) need it too.
    app.state.cipher = DocumentCipher.from_settings(settings)
    app.state.metrics = metrics
    app.state.health = default_registry()  # layers register their checks here
    app.state.rate_limiter = limiter
    if limiter is not None:
        app.state.health.register(RateLimitCheck(limiter))
    app.include_router(routes.router)
    app.include_router(health.router)
    app.include_router(metrics_api.router)
    install_error_handlers(app)
    # Added last = outermost: the request id exists before anything else runs, and oversized
    # bodies are cut off before routing or multipart parsing buffer them.
    app.add_middleware(
        BodySizeLimitMiddleware,
        upload_limit=settings.max_upload_bytes,
        json_limit=settings.max_json_bytes,
    )
    # Outside the body limit: a request without a valid key, or over its rate limit, is
    # answered before its body is read (see api/access.py).
    app.add_middleware(
        AccessMiddleware,
        authenticator=Authenticator(
            required=settings.requires_auth, keys=lambda: app.state.api_keys
        ),
        limiter=limiter,
        trusted_proxies=settings.trusted_proxies,
        route_limits=RouteLimits(lambda: app.openapi()),
    )
    # Outside the body limit, inside the request id: logs and counts every request once,
    # 413s included, with its final status (see observability/middleware.py).
    app.add_middleware(RequestObservabilityMiddleware, metrics=metrics)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    return app
