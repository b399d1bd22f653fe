"""The one error hierarchy. Each subclass carries its HTTP status and a stable machine code;
`api/errors.py` renders all of them as `{"error": {"code", "message", "request_id"}}`."""

from __future__ import annotations


class DenialOpsError(Exception):
    """Base of every error we raise on purpose. The message is safe to show a user (no PHI)."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(message or self.__doc__ or self.code)
        self.message = message or (self.__doc__ or self.code).strip().splitlines()[0]
        self.headers = headers or {}


class ConfigurationError(DenialOpsError):
    """The service is misconfigured and cannot start."""

    code = "configuration_error"


class NotFound(DenialOpsError):
    """The resource does not exist."""

    status_code = 404
    code = "not_found"


class CaseNotFound(NotFound):
    """No such case."""

    code = "case_not_found"


class ArtifactNotFound(NotFound):
    """No such artifact on this case."""

    code = "artifact_not_found"


class InvalidInput(DenialOpsError):
    """The request is well-formed HTTP but its content is not acceptable."""

    status_code = 422
    code = "invalid_input"


class EmptyDocument(InvalidInput):
    """The uploaded file is empty."""

    code = "empty_document"


class PayloadTooLarge(DenialOpsError):
    """The upload is larger than the configured limit."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(DenialOpsError):
    """The file's content is not a type DenialOps reads."""

    status_code = 415
    code = "unsupported_media_type"


class Conflict(DenialOpsError):
    """The request conflicts with the case's current state."""

    status_code = 409
    code = "conflict"


class StorageUnavailable(DenialOpsError):
    """The case store cannot be reached."""

    status_code = 503
    code = "storage_unavailable"


class LLMError(DenialOpsError):
    """The language model could not give a usable answer. Runs fall back to the
    deterministic path; this reaches a user only on LLM-only routes."""

    status_code = 503
    code = "llm_unavailable"


class LLMTimeout(LLMError):
    """The language model did not answer in time."""

    code = "llm_timeout"


class LLMRateLimited(LLMError):
    """The language model provider asked us to slow down."""

    code = "llm_rate_limited"

    def __init__(self, message: str | None = None, *, retry_after_s: float | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LLMServerError(LLMError):
    """The language model provider failed (5xx or connection error)."""

    code = "llm_server_error"


class LLMRequestRejected(LLMError):
    """The provider refused the request itself (4xx other than 429): retrying will not help."""

    code = "llm_request_rejected"


class LLMBadResponse(LLMError):
    """The language model answered, but not in the shape we asked for."""

    code = "llm_bad_response"


class LLMCircuitOpen(LLMError):
    """Calls to the language model are paused after repeated failures."""

    code = "llm_circuit_open"


class Unauthorized(DenialOpsError):
    """A valid API key is required: send `Authorization: Bearer <key>`."""

    status_code = 401
    code = "unauthorized"


class RateLimited(DenialOpsError):
    """Too many requests: wait for the time in Retry-After, then try again."""

    status_code = 429
    code = "rate_limited"


class ApiKeyNotFound(NotFound):
    """No such API key."""

    code = "api_key_not_found"
