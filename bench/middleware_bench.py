"""Per-request overhead of the logging + metrics + rate-limit middleware stack (issue 6).

The same trivial route is served by real uvicorn three times (`bench/middleware_app.py`): with
those layers removed ("bare"), through the stack as it ships, and through the stack with the
opt-in RateLimit-* headers on every answer (RATE_LIMIT_HEADERS=true). wrk drives them in
rounds, each round running every variant back to back (in alternating order), so the variants
of a round see the same machine weather; a variant's cost is the median over rounds of
bare's requests/s over its own in that round (target ≤ 1.3x for the stack as it ships).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio.to_thread
from rich.console import Console
from rich.table import Table

from bench.server import free_port, wait_until_ready

WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_LATENCY = re.compile(r"Latency\s+([\d.]+)(us|ms|s)\b")
UNIT_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
VARIANTS = ("bare", "full", "full_with_headers")
LABELS = {
    "bare": "bare route",
    "full": "full stack",
    "full_with_headers": "+ RateLimit headers",
}


def _serve(variant: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DATA_DIR": str(data_dir),
        # The request log line is part of what is measured; BENCH_LOG_LEVEL=WARNING shows
        # what the stack costs without it.
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        "ENVIRONMENT": "production",  # JSON logs, as an operator runs it
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            f"bench.middleware_app:{variant}",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).parent.parent,
    )
    return wait_until_ready(server, f"http://127.0.0.1:{port}/bench/ping")


def _wrk(port: int, seconds: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds}s", f"http://127.0.0.1:{port}/bench/ping"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps, latency = WRK_RPS.search(out), WRK_LATENCY.search(out)
    if rps is None or latency is None:
        raise RuntimeError(f"wrk printed no result:\n{out}")
    return float(rps.group(1)), float(latency.group(1)) * UNIT_MS[latency.group(2)]


async def run(*, quick: bool = False) -> None:
    await anyio.to_thread.run_sync(_run, quick)


def _run(quick: bool) -> None:
    console = Console()
    if shutil.which("wrk") is None:
        console.print("[yellow]middleware: skipped (wrk is not installed: apt-get install wrk)")
        return
    rounds, seconds = (3, 2) if quick else (7, 3)
    results: dict[str, list[tuple[float, float]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="denialops-mw-") as tmp:
        ports = {v: free_port() for v in VARIANTS}
        servers = {v: _serve(v, Path(tmp) / v, ports[v]) for v in VARIANTS}
        try:
            for variant in VARIANTS:  # warm up
                _wrk(ports[variant], 1)
            for n in range(rounds):  # back to back, in alternating order, so noise hits all alike
                for variant in VARIANTS if n % 2 == 0 else reversed(VARIANTS):
                    results[variant].append(_wrk(ports[variant], seconds))
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(timeout=30)
    _print(console, results, rounds, seconds)


def _print(
    console: Console, results: dict[str, list[tuple[float, float]]], rounds: int, seconds: int
) -> None:
    table = Table(
        title=f"Middleware stack overhead: GET /bench/ping, real uvicorn, wrk 4 connections, "
        f"{rounds} rounds of {seconds} s",
        caption="full stack: request log + metrics + rate limit, as shipped; "
        "+ RateLimit headers: the same with RATE_LIMIT_HEADERS=true (opt-in)",
    )
    for column in (
        "variant",
        "requests/s",
        "mean latency ms",
        "cost vs bare",
        "rounds",
        "target",
    ):
        table.add_column(column, justify="right")
    bare = [rps for rps, _ in results["bare"]]
    for variant in VARIANTS:
        rps = statistics.median(r for r, _ in results[variant])
        latency = statistics.median(m for _, m in results[variant])
        ratios = [b / r for b, (r, _) in zip(bare, results[variant], strict=True)]
        table.add_row(
            LABELS[variant],
            f"{rps:.0f}",
            f"{latency:.2f}",
            f"{statistics.median(ratios):.2f}x",
            f"{min(ratios):.2f}..{max(ratios):.2f}",
            "≤ 1.3x" if variant == "full" else "",
        )
    console.print(table)
