"""The request dependencies run on the event loop: FastAPI sends a plain `def` dependency to its
thread pool, a hop to a worker thread and back per dependency per request."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_args

import pytest

from denialops.api import dependencies


def _providers() -> list[Callable[..., Any]]:
    """Every provider behind one of the module's `...Dep` annotations."""
    found = []
    for name, value in vars(dependencies).items():
        if name.endswith("Dep"):
            depends = get_args(value)[1]
            found.append(depends.dependency)
    return found


def test_every_dep_alias_is_found() -> None:
    names = {p.__name__ for p in _providers()}
    assert {"get_storage", "get_settings", "get_case_service", "get_analysis_service"} <= names


@pytest.mark.parametrize("provider", _providers(), ids=lambda p: p.__name__)
def test_a_provider_is_a_coroutine_function(provider: Callable[..., Any]) -> None:
    assert inspect.iscoroutinefunction(provider), f"{provider.__name__} would run in a thread"
