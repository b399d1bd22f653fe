"""One log line and the HTTP metrics for every request, from a pure ASGI middleware.

It sits just inside `CorrelationIdMiddleware` (the request id is set when it logs) and outside
everything else: the body-size limit, routing, validation and the error handlers. So it sees
every request exactly once, including 404s that match no route and 413s refused before
routing, and it sees what the client got: the final status and the total time, body included.
If the app raises before answering, the client gets a 500 from the outermost error middleware,
and that is what is recorded.

The line is `http.request` with method, route template (`/api/v1/cases/{case_id}`, never the
raw path, which may carry anything a client typed; `unmatched` when no route matches), status,
duration_ms, the client's address and, when it is a well-formed one, the case id. Successful
scrapes of `/metrics` and the probes' `/health*` are logged at DEBUG: at INFO they would be
most of the log. Never a header, query string or body: those may carry PHI.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any, Final

import structlog
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from denialops.observability.metrics import Metrics

log = structlog.get_logger("denialops.http")

UNMATCHED: Final = "unmatched"
QUIET_ROUTES: Final = frozenset({"/metrics", "/health", "/health/live", "/health/ready"})


class RequestObservabilityMiddleware:
    """Log every HTTP request once (`http.request`) and record it in the HTTP metrics."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Bound once, when the app builds its middleware (after `configure_logging`): the
        # module-level proxy re-binds on every call, which cost a third of this line's time.
        self.log = log.bind()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        endpoint = route_template(scope)
        method = scope["method"]
        self.metrics.observe_request(method, endpoint, status, seconds)
        level = _level(endpoint, status)
        if not self.log.is_enabled_for(level):  # a probe's line at INFO: nothing to build
            return
        self.log.log(
            level,
            "http.request",
            method=method,
            route=endpoint,
            status=status,
            duration_ms=round(seconds * 1e3, 2),
            client=_client_host(scope),
            **_case_field(scope),
        )


def _level(endpoint: str, status: int) -> int:
    if status >= 500:
        return logging.WARNING
    quiet = endpoint in QUIET_ROUTES and status < 400
    return logging.DEBUG if quiet else logging.INFO


def route_template(scope: Scope) -> str:
    """The template of the route that served (or would serve) `scope`, or "unmatched".

    Routing leaves the route in `scope["route"]`. A request answered before routing (a 413 from
    the body limit) has none; its template is then looked up among the app's documented paths.
    """
    template = getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str):
        return template
    return _documented_template(scope.get("app"), _route_path(scope)) or UNMATCHED


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _documented_template(app: Any, path: str) -> str | None:
    for pattern, template in _templates(app):
        if pattern.match(path):
            return template
    return None


_TEMPLATES_ATTR = "_denialops_route_templates"


def _templates(app: Any) -> list[tuple[re.Pattern[str], str]]:
    """The app's OpenAPI paths as patterns, built on first need and kept on the app. (FastAPI
    resolves included routers lazily, so its route list cannot be matched directly.)"""
    cached: list[tuple[re.Pattern[str], str]] | None = getattr(app, _TEMPLATES_ATTR, None)
    if cached is not None:
        return cached
    openapi = getattr(app, "openapi", None)
    try:
        paths = openapi().get("paths", {}) if callable(openapi) else {}
    except Exception:  # a broken schema must not break request logging: no templates, then
        log.warning("http.openapi_unavailable")
        paths = {}
    built = [(compile_path(template)[0], template) for template in paths]
    setattr(app, _TEMPLATES_ATTR, built)
    return built


def _client_host(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


def _case_field(scope: Scope) -> dict[str, str]:
    """`{"case_id": ...}` when the path's case id is one we could have issued (a UUID):
    anything else is whatever the client typed, and is not logged."""
    value = (scope.get("path_params") or {}).get("case_id")
    if not isinstance(value, str) or len(value) != 36:
        return {}
    try:
        return {"case_id": value} if str(uuid.UUID(value)) == value.lower() else {}
    except ValueError:
        return {}
