"""One process of a multi-process deployment, for test_multiprocess_metrics.py.

Run with PROMETHEUS_MULTIPROC_DIR in the environment (prometheus_client reads it at import):

    multiproc_process.py serve DATA_DIR REQUESTS CIRCUIT_STATE graceful|crash
    multiproc_process.py scrape DATA_DIR          (prints the /metrics body)

`serve` answers REQUESTS requests, records a cache hit, a stage, a completed case and the
breaker state, then stops through the lifespan (graceful) or dies without it (crash).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from denialops.config import load_settings
from denialops.main import create_app
from denialops.observability.metrics import Metrics


def build(data_dir: str) -> FastAPI:
    return create_app(load_settings(environment="test", data_dir=Path(data_dir), log_level="ERROR"))


async def serve(app: FastAPI, requests: int, circuit: str, graceful: bool) -> None:
    metrics: Metrics = app.state.metrics
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://p") as client:
            for _ in range(requests):
                assert (await client.get("/health/live")).status_code == 200
        metrics.cache_result(hit=True)
        metrics.observe_stage("route", 0.01)
        metrics.case_completed("timely_filing")
        metrics.set_circuit_state(circuit)
        if not graceful:
            os._exit(0)  # killed: no shutdown, so nobody marks this process dead


async def scrape(app: FastAPI) -> None:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://p") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    sys.stdout.write(response.text)


def main(argv: list[str]) -> None:
    command, data_dir, *rest = argv
    app = build(data_dir)
    if command == "scrape":
        asyncio.run(scrape(app))
    else:
        requests, circuit, mode = rest
        asyncio.run(serve(app, int(requests), circuit, mode == "graceful"))


if __name__ == "__main__":
    main(sys.argv[1:])
