"""structlog set-up: JSON lines in production, readable lines in development.

Events are key-value data (`log.info("case.created", case_id=...)`); the request id that
asgi-correlation-id puts in a context variable is merged into every line. Never log letter text,
names, member IDs or file names: they are PHI.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog
from asgi_correlation_id import correlation_id

from denialops.config import Settings


def _add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = correlation_id.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


def _stderr_logger(*_: Any) -> structlog.PrintLogger:
    # Resolved at each call, not at configuration: whoever replaced sys.stderr since (a test
    # runner, a CLI runner that has since closed its stream) gets the line, not a dead file.
    return structlog.PrintLogger(sys.stderr)


def configure_logging(settings: Settings) -> None:
    """Configure structlog and the stdlib root logger once per process (idempotent)."""
    json_lines = settings.log_format == "json" or (
        settings.log_format == "auto" and settings.environment in ("staging", "production")
    )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    level = logging.getLevelNamesMapping()[settings.log_level]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(message)s", force=True)
