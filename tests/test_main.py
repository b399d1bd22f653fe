"""The application factory's process-level settings: while the app serves, the event loop gets
the GIL back from busy worker threads within 1 ms; afterwards the interpreter is as it was."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from denialops.config import load_settings
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
