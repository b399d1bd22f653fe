"""Reading what the service logged, as the JSON lines it wrote to stderr."""

from __future__ import annotations

import json
from typing import Any

import pytest


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """Every line written to stderr since the last call; each must be one JSON object."""
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def events(lines: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("event") == name]
