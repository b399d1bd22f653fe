"""The log set-up: one format for structlog and stdlib lines, exception messages withheld,
libraries held at WARNING whatever LOG_LEVEL says."""

from __future__ import annotations

import json
import logging
import logging.config
from pathlib import Path

import pytest
import structlog
import uvicorn.config
from log_helpers import json_lines

from denialops.config import Settings, load_settings
from denialops.errors import CaseNotFound
from denialops.logs import configure_logging, describe_exception

PHI = "Maria Delgado CHP55810274"


def configured(tmp_path: Path, **overrides: object) -> Settings:
    settings = load_settings(**{"data_dir": tmp_path, "environment": "test", **overrides})
    configure_logging(settings)
    return settings


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as e:
        return e


class TestDescribeException:
    def test_message_is_withheld_type_and_frames_kept(self) -> None:
        def parse_member_id() -> int:
            return int(PHI)

        try:
            parse_member_id()
        except ValueError as e:
            text = describe_exception(e)
        assert "Maria" not in text
        assert "ValueError: (message withheld" in text
        assert "parse_member_id" in text
        assert text.startswith("Traceback (most recent call last):")

    def test_our_own_errors_keep_their_user_safe_message(self) -> None:
        text = describe_exception(raised(CaseNotFound("no such case")))
        assert "denialops.errors.CaseNotFound: no such case" in text

    def test_every_link_of_a_chain_is_withheld(self) -> None:
        try:
            try:
                {}[PHI]
            except KeyError as e:
                raise RuntimeError(f"lookup of {PHI} failed") from e
        except RuntimeError as e:
            text = describe_exception(e)
        assert "Maria" not in text
        assert text.index("KeyError") < text.index("RuntimeError")

    def test_exception_groups_are_described_member_by_member(self) -> None:
        group = raised(ExceptionGroup("tasks", [ValueError(PHI), OSError(PHI)]))
        text = describe_exception(group)
        assert "Maria" not in text
        assert "ValueError" in text
        assert "OSError" in text


class TestFormat:
    def test_production_writes_json_for_structlog_and_stdlib_alike(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, environment="production")
        structlog.get_logger("denialops.test").info("case.created", case_id="c1")
        logging.getLogger("somelibrary").warning("disk nearly full")
        ours, theirs = json_lines(capsys)
        assert (ours["event"], ours["case_id"], ours["level"]) == ("case.created", "c1", "info")
        assert (theirs["event"], theirs["logger"], theirs["level"]) == (
            "disk nearly full",
            "somelibrary",
            "warning",
        )
        assert "timestamp" in theirs

    def test_development_writes_readable_lines(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, environment="development")
        structlog.get_logger("denialops.test").info("case.created", case_id="c1")
        line = capsys.readouterr().err.strip()
        assert "case.created" in line
        assert "case_id=c1" in line
        with pytest.raises(json.JSONDecodeError):
            json.loads(line)


class TestPHIGuards:
    def test_structlog_exception_messages_are_withheld(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, log_format="json")
        try:
            int(PHI)
        except ValueError as e:
            structlog.get_logger("denialops.test").error("stage.crashed", exc_info=e)
        [line] = json_lines(capsys)
        assert "ValueError" in line["exception"]
        assert "Maria" not in json.dumps(line)

    def test_stdlib_exception_messages_are_withheld(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, log_format="json")
        try:
            int(PHI)
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        [line] = json_lines(capsys)
        assert line["event"] == "Exception in ASGI application"
        assert "ValueError" in line["exception"]
        assert "Maria" not in json.dumps(line)

    def test_libraries_stay_at_warning_under_debug(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, log_format="json", log_level="DEBUG")
        for name in ("aiosqlite", "sqlalchemy.engine.Engine", "openai", "somelibrary"):
            logging.getLogger(name).debug("executing INSERT ... (%r,)", PHI)
            logging.getLogger(name).info("request body %r", PHI)
        logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /?name=%s"', PHI)
        assert capsys.readouterr().err == ""
        assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)

    def test_our_loggers_and_uvicorn_lifecycle_follow_log_level(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        configured(tmp_path, log_format="json", log_level="DEBUG")
        logging.getLogger("denialops.storage").debug("migrated")
        logging.getLogger("uvicorn.error").info("Application startup complete.")
        events = [line["event"] for line in json_lines(capsys)]
        assert events == ["migrated", "Application startup complete."]

    def test_uvicorns_own_logging_config_is_taken_over(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # `uvicorn --factory denialops.main:create_app` applies uvicorn's config first.
        logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)
        configured(tmp_path, log_format="json", log_level="WARNING")
        logging.getLogger("uvicorn.error").info("Started server process")
        logging.getLogger("uvicorn.access").warning("access log trouble")
        logging.getLogger("uvicorn.error").warning("shutting down")
        lines = json_lines(capsys)
        assert [(line["logger"], line["level"]) for line in lines] == [
            ("uvicorn.access", "warning"),
            ("uvicorn.error", "warning"),
        ]
