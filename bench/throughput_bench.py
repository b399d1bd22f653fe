"""Full-case throughput on the embedded default, under real uvicorn on loopback.

wrk (C, not the bottleneck) drives 8 connections, each chaining create → upload → run
(`bench/wrk/case_flow.lua`); meanwhile a probe asks `/health/live` a few times a second so the
table shows whether analysis work blocks the server. Prints cases/s, request p50/p99 and the
probe's p99, for one server process and for two (`denialops serve --workers 2`: one process
is bound to one core by the GIL, and this machine has two), and a ceiling row: the same three
routes doing nothing (`bench/null_app.py`), served and loaded the same way, which is what
FastAPI, uvicorn and wrk cost here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import anyio.to_thread
import httpx
from rich.console import Console
from rich.table import Table

from bench.server import free_port, wait_until_ready
from bench.stats import percentile
from denialops.samples import sample_path

LUA = Path(__file__).parent / "wrk" / "case_flow.lua"
RESULT = re.compile(
    r"RESULT cases=(\d+) errors=(\d+) seconds=([\d.]+) p50_ms=([\d.]+) "
    r"p99_ms=([\d.]+) requests=(\d+)"
)


def _start_server(
    data_dir: Path, port: int, workers: int, *, null: bool = False
) -> subprocess.Popen[bytes]:
    if null:
        return _start_null_server(port, workers)
    env = os.environ | {
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        "API_PORT": str(port),
        "RATE_LIMIT_ENABLED": "false",
        "ENVIRONMENT": "production",
    }
    cli = Path(sys.executable).parent / "denialops"
    server = subprocess.Popen(
        [str(cli), "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_ready(server, f"http://127.0.0.1:{port}/health/ready")
    if workers > 1:
        # "Ready" came from whichever worker answered first; the others may still be in their
        # warm-up run (≈ 0.2 s): give them the time, so the load meets every worker serving.
        time.sleep(2)
    return server


def _start_null_server(port: int, workers: int) -> subprocess.Popen[bytes]:
    uvicorn = Path(sys.executable).parent / "uvicorn"
    args = ["--factory", "bench.null_app:app", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        [str(uvicorn), *args, "--log-level", "warning", "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return wait_until_ready(server, f"http://127.0.0.1:{port}/health/live")


def _probe(url: str, stop: threading.Event, samples: list[float]) -> None:
    with httpx.Client(timeout=10) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(url)
            samples.append(time.perf_counter() - started)
            stop.wait(0.1)


async def run(*, quick: bool = False) -> None:
    await anyio.to_thread.run_sync(_run, quick)


Row = tuple[str, str, str, str, str, str]  # server, cases/s, errors, p50, p99, /health p99


def _run(quick: bool) -> None:
    console = Console()
    if shutil.which("wrk") is None:
        console.print("[yellow]throughput: skipped (wrk is not installed: apt-get install wrk)")
        return
    seconds, connections = (5, 8) if quick else (20, 8)
    rows = [_measure(workers, seconds, connections) for workers in (1, 2)]
    rows.append(_measure(2, seconds, connections, null=True))
    table = Table(
        title=f"Full cases (create + upload + run), {connections} connections, "
        f"{seconds} s, embedded SQLite, real uvicorn",
        caption="target: >= 2x the original's cases/s (~110-150/s); /health p99 <= 50 ms\n"
        "xN = N server processes; the ceiling row serves the same routes doing nothing",
    )
    for column in (
        "server",
        "cases/s",
        "errors",
        "request p50 ms",
        "request p99 ms",
        "/health p99 ms",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*map(str, row))
    console.print(table)


def _measure(workers: int, seconds: int, connections: int, *, null: bool = False) -> Row:
    with tempfile.TemporaryDirectory(prefix="denialops-load-") as tmp:
        port = free_port()
        server = _start_server(Path(tmp), port, workers, null=null)
        probe: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(
            target=_probe, args=(f"http://127.0.0.1:{port}/health/live", stop, probe)
        )
        try:
            prober.start()
            out = subprocess.run(
                [
                    "wrk",
                    f"-t{connections}",
                    f"-c{connections}",
                    f"-d{seconds}s",
                    "-s",
                    str(LUA),
                    f"http://127.0.0.1:{port}",
                ],
                env=os.environ | {"DENIALOPS_BENCH_LETTER": str(sample_path())},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            stop.set()
            prober.join()
            server.terminate()
            server.wait(timeout=30)
    match = RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    cases, errors, secs, p50, p99, _ = match.groups()
    health = f"{percentile(probe, 99) * 1000:.1f}" if probe else "-"
    name = f"no-op routes x{workers} (ceiling)" if null else f"DenialOps x{workers}"
    return name, f"{int(cases) / float(secs):.1f}", errors, p50, p99, health
