"""structlog set-up: JSON lines in production, readable lines in development, and the same
format for the standard library's records (uvicorn, SQLAlchemy, the SDKs) as for our events.

Events are key-value data (`log.info("case.created", case_id=...)`); the request id that
asgi-correlation-id puts in a context variable is merged into every line. Never log letter text,
names, member IDs or file names: they are PHI. Two guards hold that line where our own
discipline cannot reach:

- Exceptions are logged as their types and frames, without their messages. Only our own
  `DenialOpsError` messages are printed (they are user-safe by contract); any other message
  may quote what failed (`int("Maria")`, a validation error's input, a SQL parameter).
- Libraries log at WARNING and above whatever LOG_LEVEL says. Below that, several print what
  they handle: aiosqlite every SQL call with its parameters, the OpenAI and Anthropic SDKs their
  request bodies, httpx URLs, uvicorn's access log raw paths and query strings. Only our own
  loggers and uvicorn's lifecycle lines follow LOG_LEVEL (requests are logged once, by
  `observability/middleware.py`, with the route template instead of the path).
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any, Final, TextIO

import orjson
import structlog
from asgi_correlation_id import correlation_id

from denialops.config import Settings
from denialops.errors import DenialOpsError

Processor = Any  # structlog's processor type is a union too wide to be useful here

# Loggers that follow LOG_LEVEL; every other logger is held at WARNING and above.
OWN_LOGGERS: Final = ("denialops", "uvicorn.error", "asgi_correlation_id")
# Known to log payloads below WARNING: their levels are raised so such records are never made.
CHATTY_LOGGERS: Final = (
    "aiosqlite",
    "sqlalchemy",
    "httpx",
    "httpcore",
    "openai",
    "anthropic",
    "python_multipart",
    "multipart",
    "uvicorn.access",
    "PIL",
    "fontTools",
)
_OWN = tuple(f"{name}." for name in OWN_LOGGERS)
_WITHHELD = "(message withheld: it may quote a document)"


def _add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = correlation_id.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def _safe_exception(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Replace `exc_info` by a traceback without exception messages (see the module doc)."""
    error = _exception_of(event.pop("exc_info", None))
    if error is not None:
        event["exception"] = describe_exception(error)
    return event


def _exception_of(exc_info: Any) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple):
        error = exc_info[1] if len(exc_info) == 3 else None
        return error if isinstance(error, BaseException) else None
    return sys.exc_info()[1] if exc_info else None


def describe_exception(error: BaseException) -> str:
    """The exception's chain as tracebacks of file, line and code, each ending in the type;
    the message only for a `DenialOpsError`."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return "\n\nwhich led to:\n\n".join(_describe_one(e) for e in reversed(chain))


def _describe_one(error: BaseException) -> str:
    frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
    text = f"Traceback (most recent call last):\n{frames}{_headline(error)}"
    if isinstance(error, BaseExceptionGroup):
        for i, sub in enumerate(error.exceptions[:5], start=1):
            inner = _describe_one(sub).replace("\n", "\n  ")
            text += f"\n  +-- sub-exception {i}:\n  {inner}"
    return text


def _headline(error: BaseException) -> str:
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    message = error.message if isinstance(error, DenialOpsError) else _WITHHELD
    return f"{name}: {message}"


def _orjson_dumps(event: Any, **_: Any) -> str:
    # OPT_UTC_Z: the timestamp, a UTC datetime, is written as RFC 3339 "…Z".
    return orjson.dumps(event, default=repr, option=orjson.OPT_UTC_Z).decode()


def _utc_now(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The JSON lines' timestamp: a datetime, which orjson formats (a quarter of the cost of
    formatting it here with TimeStamper, on a line written for every request)."""
    event["timestamp"] = datetime.now(UTC)
    return event


class StderrLogger:
    """structlog's output end: one `write` per line to whatever `sys.stderr` is at the time.

    Resolved at each line, not at configuration: whoever replaced sys.stderr since (a test
    runner, a CLI runner that has since closed its stream) gets the line, not a dead file.
    Holding no stream also makes it safe to keep in a logger bound once (see
    `observability/middleware.py`). One write of the whole line, so lines from two threads
    cannot interleave; no flush, since Python's stderr is line-buffered (a replacement
    stream may buffer as it likes).
    """

    def msg(self, message: str) -> None:
        sys.stderr.write(message + "\n")

    log = debug = info = warning = warn = error = critical = exception = fatal = failure = msg


_STDERR = StderrLogger()


def _stderr_logger(*_: Any) -> StderrLogger:
    return _STDERR


class _StderrHandler(logging.StreamHandler[TextIO]):
    """The standard library's side of `_stderr_logger`: writes to the current sys.stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class _LibraryFloor(logging.Filter):
    """Let library records through at WARNING and above only (see the module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        return record.levelno >= logging.WARNING or name in OWN_LOGGERS or name.startswith(_OWN)


def _json_lines(settings: Settings) -> bool:
    return settings.log_format == "json" or (
        settings.log_format == "auto" and settings.environment in ("staging", "production")
    )


def _renderer(json_lines: bool) -> Processor:
    if json_lines:
        # orjson: one request line is written per request, and the stdlib encoder was the
        # largest single cost of it (bench: `python -m bench middleware`).
        return structlog.processors.JSONRenderer(serializer=_orjson_dumps)
    return structlog.dev.ConsoleRenderer(colors=False)


def _configure_stdlib(level: int, shared: list[Processor], renderer: Processor) -> None:
    handler = _StderrHandler()
    handler.addFilter(_LibraryFloor())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _safe_exception,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in root.handlers[:]:  # we own the root logger (as basicConfig(force=True) would)
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own logging config (when started as `uvicorn --factory ...`) gives its loggers
    # handlers of their own that bypass ours: everything goes through the root handler.
    for name in ("uvicorn", *OWN_LOGGERS, *CHATTY_LOGGERS):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.disabled = False
        chatty = name in CHATTY_LOGGERS
        logger.setLevel(max(level, logging.WARNING) if chatty else logging.NOTSET)


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the stdlib root logger once per process (idempotent)."""
    level = logging.getLevelNamesMapping()[settings.log_level]
    json_lines = _json_lines(settings)
    renderer = _renderer(json_lines)
    # No `structlog.contextvars.merge_contextvars`: nothing here binds context variables
    # (the request id comes from asgi-correlation-id's own), and merging walks every context
    # variable of the task on every line.
    shared: list[Processor] = [
        _add_request_id,
        structlog.processors.add_log_level,
        _utc_now if json_lines else structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, _safe_exception, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    _configure_stdlib(level, shared, renderer)
