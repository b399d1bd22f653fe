"""`denialops apikey create|list|revoke`, and `serve` refusing a public bind without a key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from denialops import cli
from denialops.domain.api_keys import looks_like_key

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty data directory, no .env, and API_HOST restored after `serve --host` sets it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("API_HOST", "127.0.0.1")
    monkeypatch.delenv("AUTH_REQUIRED", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # so rich does not wrap the table


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr("denialops.cli.uvicorn.run", lambda *a, **kwargs: calls.append(kwargs))
    return calls


def create(tenant: str = "acme") -> str:
    result = runner.invoke(cli.app, ["apikey", "create", "--tenant", tenant])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


class TestApiKeyCommands:
    def test_create_prints_the_key_alone_on_stdout(self) -> None:
        key = create()

        assert looks_like_key(key)
        assert create() != key  # every key is new

    def test_list_shows_ids_and_tenants_never_secrets(self) -> None:
        key = create("acme")
        create("beta")

        result = runner.invoke(cli.app, ["apikey", "list"])

        assert result.exit_code == 0
        assert "acme" in result.stdout
        assert "beta" in result.stdout
        assert key[:8] in result.stdout  # the hint
        assert key[8:] not in result.stdout

    def test_revoke_marks_the_key_revoked(self) -> None:
        create("acme")
        listed = runner.invoke(cli.app, ["apikey", "list", "--tenant", "acme"]).stdout
        key_id = next(word for word in listed.split() if word.startswith("key_"))

        result = runner.invoke(cli.app, ["apikey", "revoke", key_id])

        assert result.exit_code == 0
        assert f"revoked {key_id}" in result.stdout
        assert "UTC" in runner.invoke(cli.app, ["apikey", "list"]).stdout.split(key_id)[1]

    @pytest.mark.parametrize(
        "args", [["create", "--tenant", "Not Valid"], ["revoke", "key_unknown"]]
    )
    def test_bad_input_is_one_line_and_exit_2(self, args: list[str]) -> None:
        result = runner.invoke(cli.app, ["apikey", *args])

        assert result.exit_code == 2
        assert result.stderr.startswith("error: ")
        assert "Traceback" not in result.output


class TestServe:
    def test_a_public_bind_without_a_key_refuses_to_start(
        self, uvicorn_calls: list[dict[str, Any]]
    ) -> None:
        result = runner.invoke(cli.app, ["serve", "--host", "0.0.0.0"])

        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert "apikey create" in result.stderr
        assert uvicorn_calls == []

    def test_a_public_bind_with_a_key_starts_and_reads_no_proxy_headers(
        self, uvicorn_calls: list[dict[str, Any]]
    ) -> None:
        create()

        result = runner.invoke(cli.app, ["serve", "--host", "0.0.0.0"])

        assert result.exit_code == 0, result.output
        assert uvicorn_calls[0]["host"] == "0.0.0.0"
        assert uvicorn_calls[0]["proxy_headers"] is False

    def test_loopback_needs_no_key(self, uvicorn_calls: list[dict[str, Any]]) -> None:
        result = runner.invoke(cli.app, ["serve"])

        assert result.exit_code == 0, result.output
        assert uvicorn_calls[0]["host"] == "127.0.0.1"

    def test_auth_required_on_loopback_needs_a_key_too(
        self, uvicorn_calls: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AUTH_REQUIRED", "true")

        result = runner.invoke(cli.app, ["serve"])

        assert result.exit_code == 2
        assert "AUTH_REQUIRED=true" in result.stderr
