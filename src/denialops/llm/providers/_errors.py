"""Turning a provider's failure into our `LLMError` subclasses, the same way for every SDK.

The rules: timeout -> LLMTimeout; 429 -> LLMRateLimited (with Retry-After); 5xx and connection
errors -> LLMServerError; any other 4xx -> LLMRequestRejected; an answer we cannot read ->
LLMBadResponse. Messages are generic (an SDK's message may quote the request), and the log line
carries codes, never prompt text.

Quirk: an SDK may wrap transport errors in its own exceptions only while sending; a stream that
stalls after its first chunk then raises the bare `httpx2` error (Anthropic's SDK 2.14 does).
The adapters catch `TRANSPORT_ERRORS` too, and `error_without_status` maps them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx2
import structlog
from pydantic import ValidationError

from denialops.errors import (
    LLMBadResponse,
    LLMError,
    LLMRateLimited,
    LLMRequestRejected,
    LLMServerError,
    LLMTimeout,
)
from denialops.llm.models import CompletionRequest

log = structlog.get_logger(__name__)


TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx2.TransportError,)
# A body that is not JSON, or JSON whose fields are not what they claim (the SDKs build their
# objects without validation, so a "token count" may be a string until our models see it).
UNREADABLE: tuple[type[Exception], ...] = (json.JSONDecodeError, ValidationError)


def error_without_status(provider: str, e: Exception) -> LLMError:
    """The error for a failure with no HTTP status that the SDK did not classify: a transport
    failure it let through, or else an answer we cannot read."""
    if isinstance(e, httpx2.TimeoutException):
        return LLMTimeout(f"{provider} did not answer in time")
    if isinstance(e, httpx2.TransportError):
        return LLMServerError(f"{provider} could not be reached")
    return LLMBadResponse(f"{provider} answered in a shape we cannot read")


def error_for_status(provider: str, status: int, headers: Mapping[str, str]) -> LLMError:
    """The error for an HTTP error status from `provider`. `headers` must look names up
    case-insensitively (the SDKs' response headers do)."""
    if status == 429:
        return LLMRateLimited(
            f"{provider} rate-limited the call (HTTP 429)",
            retry_after_s=retry_after_s(headers),
        )
    if status == 408:
        return LLMTimeout(f"{provider} timed out the request (HTTP 408)")
    if status >= 500:
        return LLMServerError(f"{provider} failed (HTTP {status})")
    return LLMRequestRejected(f"{provider} rejected the request (HTTP {status})")


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """How long the provider asked us to wait: `retry-after-ms` (OpenAI's), or `Retry-After`
    as seconds or as an HTTP date. None when absent or unreadable."""
    millis = _finite(headers.get("retry-after-ms"))
    if millis is not None:
        return max(0.0, millis / 1000)
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _finite(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _finite(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@contextmanager
def translated(
    provider: str,
    model: str,
    request: CompletionRequest,
    sdk_errors: tuple[type[Exception], ...],
    translate: Callable[[Exception], LLMError],
) -> Iterator[None]:
    """Run the block; re-raise any of `sdk_errors` as `translate(e)` (chained, `from e`) and
    log every LLMError leaving it, with codes only."""
    try:
        yield
    except LLMError as e:
        _log_failure(provider, model, request, e)
        raise
    except sdk_errors as e:
        error = translate(e)
        _log_failure(provider, model, request, error)
        raise error from e


def _log_failure(provider: str, model: str, request: CompletionRequest, error: LLMError) -> None:
    log.warning(
        "llm.call_failed",
        provider=provider,
        model=model,
        purpose=request.purpose,
        error=error.code,
        retry_after_s=getattr(error, "retry_after_s", None),
    )
