"""The application factory's process-level settings: while the app serves, the event loop gets
the GIL back from busy worker threads within 1 ms; afterwards the interpreter is as it was.
Before serving, the pipeline has run once, so its one-off loading is not a user's wait."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from denialops.config import load_settings
from denialops.domain import icd10
from denialops.main import GIL_SWITCH_INTERVAL_S, create_app

pytestmark = pytest.mark.anyio


async def test_serving_hands_the_gil_over_often_and_restores_it_after(tmp_path: Path) -> None:
    before = sys.getswitchinterval()
    app = create_app(load_settings(_env_file=None, data_dir=tmp_path, environment="test"))

    async with app.router.lifespan_context(app):
        during = sys.getswitchinterval()

    assert during == pytest.approx(GIL_SWITCH_INTERVAL_S)
    assert during < before
    assert sys.getswitchinterval() == before


async def test_the_pipeline_is_warm_before_the_first_request(tmp_path: Path) -> None:
    icd10._index.cache_clear()  # as in a new process
    app = create_app(load_settings(_env_file=None, data_dir=tmp_path, environment="test"))

    async with app.router.lifespan_context(app):
        assert icd10._index.cache_info().currsize == 1
