"""Reading speed: `extract_text` + `extract_facts` + `route`, in process.

Part 1: a two-page letter, many times: median and p99 (target: median <= 5 ms).
Part 2: text letters of 1, 2, 4, 8 and 10 MB: seconds each and seconds per MB, which stays
flat when the pipeline is linear (target: 10 MB <= 2 s).
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.stats import summary_ms
from denialops.pipeline.build import reading_pipeline
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.samples import sample_path

MB = 1024 * 1024
# Realistic filler: policy prose of the kind that pads long letters, with numbers in it.
FILLER = (
    "Section 4.2 of your Evidence of Coverage explains how benefits apply to services received "
    "on or after 01/01/2024. Call 1-800-555-0100 for help. Amounts shown are estimates only.\n"
)


TWO_PAGE_LETTER = (
    Path(__file__).parents[1] / "eval" / "sources" / "28_allegiant_timely_corrected_claim.txt"
)


def two_page_letter() -> bytes:
    """A realistic two-page letter from the labelled set (its text; page break = form feed)."""
    return TWO_PAGE_LETTER.read_bytes()


def dense_letter() -> bytes:
    """A harder case: the sample letter twice around 20 lines dense with phones and dates."""
    text = sample_path().read_text(encoding="utf-8")
    return (text + "\f" + FILLER * 20 + text).encode("utf-8")


def letter_of_size(size: int) -> bytes:
    letter = sample_path().read_bytes()
    filler = FILLER.encode()
    return letter + filler * ((size - len(letter)) // len(filler))


def time_once(data: bytes) -> float:
    runner = reading_pipeline()
    started = time.perf_counter()
    ctx = runner.run_sync(CaseContext(letter=InputDocument(data, "text/plain")))
    elapsed = time.perf_counter() - started
    assert ctx.decision is not None
    return elapsed


async def run(*, quick: bool = False) -> None:
    console = Console()
    runs = 50 if quick else 500
    table = Table(title=f"Reading one letter: extract_text + extract_facts + route, {runs} runs")
    for column in ("letter", "bytes", "median ms", "p99 ms", "mean ms", "target"):
        table.add_column(column, justify="right")
    for name, letter, target in (
        ("two-page letter", two_page_letter(), "median <= 5 ms"),
        ("dense two-pager", dense_letter(), ""),
    ):
        for _ in range(20):
            time_once(letter)  # warm-up: regex caches, ICD-10 index, code tables
        p50, p99, mean = summary_ms([time_once(letter) for _ in range(runs)])
        table.add_row(name, f"{len(letter):,}", f"{p50:.2f}", f"{p99:.2f}", f"{mean:.2f}", target)
    console.print(table)

    sizes = [1, 2, 4] if quick else [1, 2, 4, 8, 10]
    growth = Table(title="Reading big text letters (linear growth: s/MB stays flat)")
    for column in ("size", "seconds", "s per MB"):
        growth.add_column(column, justify="right")
    for mb in sizes:
        seconds = min(time_once(letter_of_size(mb * MB)) for _ in range(1 if quick else 2))
        growth.add_row(f"{mb} MB", f"{seconds:.3f}", f"{seconds / mb:.3f}")
    console.print(growth)
