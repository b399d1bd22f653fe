"""`GET /metrics`: the Prometheus scrape endpoint (definitions in `observability/metrics.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from denialops.api.dependencies import MetricsDep

router = APIRouter(tags=["ops"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "application/openmetrics-text": {}}}},
)
def metrics(metrics: MetricsDep, accept: Annotated[str | None, Header()] = None) -> Response:
    """The service's metrics in the Prometheus text format (OpenMetrics when asked for).

    A plain `def`: FastAPI runs it in a worker thread, so reading the multi-process files
    never blocks the event loop.
    """
    body, content_type = metrics.render(accept)
    return Response(content=body, headers={"Content-Type": content_type})
