"""Reading speed: `extract_text` + `extract_facts` + `route`, in process.

Part 1: a two-page letter, many times: median and p99 (target: median <= 5 ms).
Part 2: text letters of 1, 2, 4, 8 and 10 MB: seconds each and seconds per MB, which stays
flat when the pipeline is linear (target: 10 MB <= 2 s).
"""

from __future__ import annotations

import re
import statistics
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


def _reference_ms() -> float:
    """A fixed CPU workload (regex + dict + string work, like the pipeline's), timed in this
    run: the machine is shared, so absolute times drift between runs; ratios to this do less."""
    text = sample_path().read_text(encoding="utf-8") * 2
    pattern = re.compile(r"\b[A-Z]{2}-?\d{1,3}\b|\$[\d,]+\.\d\d|\d{1,2}/\d{1,2}/\d{4}")

    def work() -> None:
        counts: dict[str, int] = {}
        for _ in range(20):
            for m in pattern.finditer(text):
                counts[m.group()] = counts.get(m.group(), 0) + 1
            text.lower().split()

    samples = []
    for _ in range(200):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


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
    reference = _reference_ms()
    table = Table(title=f"Reading one letter: extract_text + extract_facts + route, {runs} runs")
    for column in ("letter", "bytes", "median ms", "p99 ms", "median / reference", "target"):
        table.add_column(column, justify="right")
    for name, letter, target in (
        ("two-page letter", two_page_letter(), "median <= 5 ms"),
        ("dense two-pager", dense_letter(), ""),
    ):
        for _ in range(20):
            time_once(letter)  # warm-up: regex caches, ICD-10 index, code tables
        p50, p99, _ = summary_ms([time_once(letter) for _ in range(runs)])
        ratio = f"{p50 / reference:.2f}"
        table.add_row(name, f"{len(letter):,}", f"{p50:.2f}", f"{p99:.2f}", ratio, target)
    console.print(table)
    console.print(
        f"reference: {reference:.2f} ms (median of a fixed pure-Python workload, measured in "
        "this run; the ratio column lets runs on a busier or quieter machine be compared)"
    )

    sizes = [1, 2, 4] if quick else [1, 2, 4, 8, 10]
    growth = Table(title="Reading big text letters (linear growth: s/MB stays flat)")
    for column in ("size", "seconds", "s per MB"):
        growth.add_column(column, justify="right")
    for mb in sizes:
        seconds = min(time_once(letter_of_size(mb * MB)) for _ in range(1 if quick else 2))
        growth.add_row(f"{mb} MB", f"{seconds:.3f}", f"{seconds / mb:.3f}")
    console.print(growth)
