"""Storage backends side by side (files, SQLite, PostgreSQL).

One operation = create a case + upload a 3 KB letter + store six artifacts + read all six back:
the storage work of one analysed case. Each backend runs the same sequence; the table shows
operations per second and the p50/p99 latency of one operation.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from bench.stats import summary_ms
from denialops.config import StorageBackend, load_settings
from denialops.domain.cases import DocType
from denialops.storage import CaseStorage, build_storage

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_SCHEMA = "denialops_bench"
LETTER = (b"Reason for denial: prior authorization was not obtained (CO-197). " * 48)[:3072]
ARTIFACTS = [
    ("extracted_text.txt", "text/plain", 3000),
    ("case_facts.json", "application/json", 4000),
    ("route.json", "application/json", 1500),
    ("action_plan.json", "application/json", 3000),
    ("action_plan.md", "text/markdown", 2500),
    ("appeal_letter.md", "text/markdown", 3500),
]


async def one_case(storage: CaseStorage) -> None:
    case = await storage.create_case()
    await storage.add_document(
        case.case_id,
        doc_type=DocType.DENIAL_LETTER,
        filename="letter.txt",
        content_type="text/plain",
        data=LETTER,
    )
    for name, content_type, size in ARTIFACTS:
        await storage.put_artifact(case.case_id, name, b"x" * size, content_type)
    for name, _, size in ARTIFACTS:
        _, data = await storage.read_artifact(case.case_id, name)
        assert len(data) == size


@asynccontextmanager
async def open_backend(name: str, workdir: Path) -> AsyncIterator[CaseStorage]:
    overrides: dict[str, object] = {"data_dir": workdir / name, "environment": "test"}
    if name == "postgres":
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")
            conn.execute(f"CREATE SCHEMA {BENCH_SCHEMA}")
        overrides |= {
            "database_url": f"{PG_ADMIN_URL}?options=-csearch_path%3D{BENCH_SCHEMA}",
            "auto_migrate": True,
        }
    settings = load_settings(storage_backend=StorageBackend(name), **overrides)
    storage = await build_storage(settings)
    try:
        yield storage
    finally:
        await storage.close()
        if name == "postgres":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {BENCH_SCHEMA} CASCADE")


async def measure(name: str, workdir: Path, n: int) -> list[float]:
    async with open_backend(name, workdir) as storage:
        for _ in range(max(3, n // 10)):  # warm-up: connections, page cache, JIT-less paths
            await one_case(storage)
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            await one_case(storage)
            samples.append(time.perf_counter() - started)
        return samples


async def run(*, quick: bool = False) -> dict[str, list[float]]:
    n = 30 if quick else 300
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="denialops-bench-") as tmp:
        for name in ("file", "sqlite", "postgres"):
            try:
                results[name] = await measure(name, Path(tmp), n)
            except (OSError, psycopg.OperationalError) as e:
                Console(stderr=True).print(f"[yellow]{name}: skipped ({type(e).__name__}: {e})")
    table = Table(
        title=f"Storage: create + 3 KB upload + 6 artifacts written and read back ({n} cases)"
    )
    for column in ("backend", "ops/s", "p50 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="right" if column != "backend" else "left")
    for name, samples in results.items():
        p50, p99, mean = summary_ms(samples)
        table.add_row(
            name, f"{len(samples) / sum(samples):.0f}", f"{p50:.2f}", f"{p99:.2f}", f"{mean:.2f}"
        )
    Console().print(table)
    return results
