"""One error shape for every failure: `{"error": {"code", "message", "request_id"}}`.

Domain errors carry their own status; FastAPI's validation errors become 422; anything we did
not anticipate becomes a 500 with a generic message: the traceback goes to the log, never to the
client.
"""

from __future__ import annotations

from typing import Any

import structlog
from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from denialops.errors import DenialOpsError

log = structlog.get_logger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str | None = None


class ErrorBody(BaseModel):
    """The JSON body of every error response."""

    error: ErrorDetail


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, request_id=correlation_id.get()))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def errors_for(*errors: type[DenialOpsError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the domain errors a route can raise."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status_code] = {"model": ErrorBody, "description": err.__doc__ or err.code}
    return out


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error in the one shape."""

    @app.exception_handler(DenialOpsError)
    async def _domain(_: Request, exc: DenialOpsError) -> JSONResponse:
        if exc.status_code >= 500:
            log.warning("request.dependency_error", code=exc.code)
        return error_response(exc.status_code, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_input", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # The framework's "error parsing the body" (bytes that are not UTF-8, JSON nested
            # past the parser's depth, a number too long to convert, broken multipart): bad
            # input like any other, so 422 as the API promises.
            return error_response(422, "invalid_input", "the request body could not be parsed")
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # exc_info goes to the log for operators; the client gets no internals.
        log.error("request.unhandled_error", error_type=type(exc).__name__, exc_info=exc)
        return error_response(500, "internal_error", "internal error; quote the request id")
