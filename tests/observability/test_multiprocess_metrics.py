"""Multi-process mode: several processes write, any one's /metrics reports them all.

Each "process" is a real subprocess started with PROMETHEUS_MULTIPROC_DIR set, as a deployment
would (prometheus_client reads the variable once, at import, so this test process cannot
switch modes itself).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from promtool_helpers import assert_promtool_accepts

from denialops.observability.metrics import MULTIPROC_ENV

SCRIPT = Path(__file__).with_name("multiproc_process.py")

pytestmark = pytest.mark.slow  # three fresh interpreters


def start(directory: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, MULTIPROC_ENV: str(directory / "metrics")}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def values(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two processes serve (one stops cleanly, one is killed), then a third scrapes."""
    tmp = tmp_path_factory.mktemp("multiproc")
    (tmp / "metrics").mkdir()
    writers = [
        start(tmp, "serve", str(tmp / "a"), "3", "open", "graceful"),
        start(tmp, "serve", str(tmp / "b"), "4", "half_open", "crash"),
    ]
    for writer in writers:
        finish(writer)
    return finish(start(tmp, "scrape", str(tmp / "c")))


def test_counters_are_summed_over_processes(scraped: str) -> None:
    got = values(scraped)
    live = frozenset({("method", "GET"), ("endpoint", "/health/live"), ("status", "200")})
    assert got[("http_requests_total", live)] == 7
    assert got[("denialops_cache_requests_total", frozenset({("result", "hit")}))] == 2
    assert got[("denialops_cases_total", frozenset({("route", "timely_filing")}))] == 2


def test_histograms_are_merged(scraped: str) -> None:
    got = values(scraped)
    stage = frozenset({("stage", "route")})
    assert got[("denialops_pipeline_stage_seconds_count", stage)] == 2
    assert got[("denialops_pipeline_stage_seconds_sum", stage)] == pytest.approx(0.02)


def test_breaker_gauge_is_the_worst_state_among_live_processes(scraped: str) -> None:
    # The cleanly stopped process (open) was marked dead and no longer counts; the killed one
    # (half-open) was not, so it still does: a supervisor must mark dead what it reaps.
    assert values(scraped)[("denialops_circuit_state", frozenset())] == 1


def test_no_per_process_collectors_in_multiprocess_mode(scraped: str) -> None:
    assert "process_cpu_seconds_total" not in scraped


def test_aggregated_output_passes_promtool(scraped: str) -> None:
    assert_promtool_accepts(scraped)
