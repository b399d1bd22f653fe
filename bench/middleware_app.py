"""The apps the middleware benchmark serves (`uvicorn --factory bench.middleware_app:…`).

Each is DenialOps's own `create_app` with one trivial route added, `GET /bench/ping`, so the
only difference between them is the middleware under test: `full` keeps the request logging +
metrics (`RequestObservabilityMiddleware`) and the auth + rate-limit (`AccessMiddleware`)
layers; `bare` removes exactly those two and keeps the rest (request id, body limit, error
handlers, routing).
"""

from __future__ import annotations

from fastapi import FastAPI

from denialops.api.access import AccessMiddleware
from denialops.config import load_settings
from denialops.main import create_app
from denialops.observability.middleware import RequestObservabilityMiddleware

UNDER_TEST: tuple[object, ...] = (AccessMiddleware, RequestObservabilityMiddleware)


async def _ping() -> dict[str, bool]:
    return {"ok": True}


def _app(*, headers: bool = False) -> FastAPI:
    # A limit high enough never to refuse, so the limiter does its full work on every request.
    settings = load_settings(
        rate_limit_enabled=True,
        rate_limit_default="10000000/minute",
        rate_limit_headers=headers,
    )
    app = create_app(settings)
    app.add_api_route("/bench/ping", _ping, methods=["GET"])
    return app


def full() -> FastAPI:
    """The app as served: every middleware on."""
    return _app()


def full_with_headers() -> FastAPI:
    """The app with RATE_LIMIT_HEADERS=true: the window read for every answer's headers."""
    return _app(headers=True)


def bare() -> FastAPI:
    """The same app without the logging + metrics + rate-limit stack."""
    app = _app()
    app.user_middleware = [m for m in app.user_middleware if m.cls not in UNDER_TEST]
    return app
