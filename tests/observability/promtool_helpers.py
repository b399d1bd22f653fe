"""Linting /metrics output with Prometheus's own `promtool check metrics`.

`make test` installs promtool (Debian's `prometheus` package) when it is missing. Locally a
missing promtool skips the lint; under CI=true it FAILS: CI must never go green without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        message = "promtool is not installed (apt-get install prometheus; `make test` does it)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true: the /metrics lint must run")
        pytest.skip(message)
    return path


def assert_promtool_accepts(exposition: str) -> None:
    """`promtool check metrics` finds no problem (it exits non-zero and names each one)."""
    result = subprocess.run(
        [promtool(), "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, problems
    assert not problems
