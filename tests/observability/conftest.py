"""The conftest `app`, with a pipeline that reports stage timings to the app's metrics (as the
lifespan builds it), and the app's metrics."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from denialops.api.dependencies import get_pipeline
from denialops.observability.metrics import Metrics
from denialops.pipeline.build import full_pipeline


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    pipeline = full_pipeline(observer=app.state.metrics)
    app.dependency_overrides[get_pipeline] = lambda: pipeline
    return app


@pytest.fixture
def metrics(app: FastAPI) -> Metrics:
    metrics: Metrics = app.state.metrics
    return metrics
