"""The application factory. `create_app(settings)` wires routes, middleware and error handlers;
the lifespan builds the long-lived parts (storage, later the LLM client and queues) once and
puts them on `app.state`, from where `api/dependencies.py` hands them to routes.

Nothing is created at import time: `uvicorn --factory denialops.main:create_app` or
`denialops serve` build the app when the process starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI

from denialops import __version__
from denialops.api import health, routes
from denialops.api.body_limit import BodySizeLimitMiddleware
from denialops.api.errors import install_error_handlers
from denialops.config import Settings, load_settings
from denialops.logs import configure_logging
from denialops.pipeline.build import full_pipeline
from denialops.storage import build_storage

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI application for `settings` (read from the environment when absent)."""
    settings = settings or load_settings()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.storage = await build_storage(settings)
        app.state.pipeline = full_pipeline()
        log.info(
            "app.started",
            storage=settings.storage_backend.value,
            environment=settings.environment,
            version=__version__,
        )
        try:
            yield
        finally:
            await app.state.storage.close()
            log.info("app.stopped")

    app = FastAPI(
        title="DenialOps",
        version=__version__,
        description="Explains claim denials and writes the documents to fight them.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.include_router(routes.router)
    app.include_router(health.router)
    install_error_handlers(app)
    # Added last = outermost: the request id exists before anything else runs, and oversized
    # bodies are cut off before routing or multipart parsing buffer them.
    app.add_middleware(BodySizeLimitMiddleware, upload_limit=settings.max_upload_bytes)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    return app
