"""Prometheus metrics: their definitions, and the one typed object that records them.

Nothing here is created at import time. `Metrics.for_process()` builds the metrics when the app
is built (`create_app` puts them on `app.state.metrics`; routes get them as `MetricsDep`), and
callers record through small typed methods (`observe_request`, `observe_stage`,
`observe_llm_call`, `cache_result`, `set_circuit_state`, `set_jobs_queued`, `case_completed`),
never by touching a prometheus_client object.

Two modes, chosen by the environment:

- **Single process** (the default): each `Metrics` owns its own `CollectorRegistry`, so tests
  can build several apps side by side without "duplicated timeseries" errors. Process, platform
  and GC metrics are included.
- **Multi-process** (`PROMETHEUS_MULTIPROC_DIR` set, e.g. `denialops serve --workers 4`):
  prometheus_client then keeps every value in a per-process mmap file in that directory, and
  `/metrics` merges all the files with `MultiProcessCollector`, so any worker's scrape reports
  the whole service. The library's constraints shape the design: the variable must be in the
  environment before `prometheus_client` is imported (a value from `.env` comes too late, and
  is refused with a clear error); the metrics are created *unregistered* (registering them as
  well would export them twice); a process holds *one* set (two would overwrite each other's
  files); gauges say how processes combine (`multiprocess_mode`); per-process collectors
  (CPU, memory, GC) do not work. The directory must be emptied before the service starts.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    multiprocess,
    values,
)
from prometheus_client.exposition import choose_encoder

from denialops.errors import ConfigurationError

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"

# `denialops_circuit_state`: 0 closed (calls flow), 1 half-open (one trial call), 2 open (paused).
CIRCUIT_STATES: Final[dict[str, int]] = {"closed": 0, "half_open": 1, "half-open": 1, "open": 2}

# Any other method a client sends is counted as "other": label values must stay bounded.
#: Bound on the cache of per-request series (method x route template x status).
_MAX_REQUEST_SERIES: Final = 1024
HTTP_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STAGE_BUCKETS: Final = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LLM_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)


def multiprocess_dir() -> Path | None:
    """The multi-process directory from the environment, or None in single-process mode."""
    value = os.environ.get(MULTIPROC_ENV, "").strip()
    return Path(value) if value else None


class Metrics:
    """The service's metrics. Build with `Metrics.for_process()`; read with `render()`."""

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        """`multiprocess_dir=None` gives an independent single-process set; with a directory,
        use `for_process()` instead, which keeps one set per process."""
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        target: CollectorRegistry | None = self.registry
        if multiprocess_dir is None:
            _add_process_collectors(self.registry)
        else:
            _check_multiprocess(multiprocess_dir)
            path = str(multiprocess_dir)
            multiprocess.MultiProcessCollector(self.registry, path)  # type: ignore[no-untyped-call]
            target = None  # the collector reads the files; registering too would double them

        self._request_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._http_requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "endpoint", "status"],
            registry=target,
        )
        self._http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "endpoint"],
            buckets=HTTP_BUCKETS,
            registry=target,
        )
        self._stage_seconds = Histogram(
            "denialops_pipeline_stage_seconds",
            "Time a pipeline stage took, by stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=target,
        )
        self._llm_seconds = Histogram(
            "denialops_llm_call_seconds",
            "Time an LLM call took, by provider and outcome.",
            ["provider", "outcome"],
            buckets=LLM_BUCKETS,
            registry=target,
        )
        self._cache_requests = Counter(
            "denialops_cache_requests",
            "LLM response cache look-ups, by result (hit or miss).",
            ["result"],
            registry=target,
        )
        self._circuit_state = Gauge(
            "denialops_circuit_state",
            "LLM circuit breaker state: 0 closed, 1 half-open, 2 open.",
            registry=target,
            multiprocess_mode="livemax",  # the worst state any live process sees
        )
        self._jobs_queued = Gauge(
            "denialops_jobs_queued",
            "Analysis jobs waiting in the queue.",
            registry=target,
            multiprocess_mode="livemax",  # every process reads the one shared queue
        )
        self._cases = Counter(
            "denialops_cases",
            "Analysis runs completed, by the route decided.",
            ["route"],
            registry=target,
        )
        for result in ("hit", "miss"):  # both series exist from the start, so ratios work
            self._cache_requests.labels(result=result)

    @classmethod
    def for_process(cls) -> Metrics:
        """The metrics for an app in this process: a fresh set in single-process mode, the
        process's one shared set in multi-process mode."""
        directory = multiprocess_dir()
        return cls() if directory is None else _process_metrics(directory)

    # -- recording ------------------------------------------------------------------------------

    def observe_request(self, method: str, endpoint: str, status: int, seconds: float) -> None:
        """One answered HTTP request; `endpoint` is the route template, never the raw path."""
        key = (method, endpoint, status)
        children = self._request_children.get(key)
        if children is None:
            children = self._request_children_for(*key)
        children[0].inc()
        children[1].observe(seconds)

    def _request_children_for(
        self, method: str, endpoint: str, status: int
    ) -> tuple[Counter, Histogram]:
        # `labels()` hashes and locks on every call; a request's series are looked up once
        # and kept (endpoints are route templates and statuses few, so this stays small).
        label = method if method in HTTP_METHODS else "other"
        children = (
            self._http_requests.labels(method=label, endpoint=endpoint, status=str(status)),
            self._http_duration.labels(method=label, endpoint=endpoint),
        )
        if len(self._request_children) < _MAX_REQUEST_SERIES:
            self._request_children[(method, endpoint, status)] = children
        return children

    def observe_stage(self, stage: str, seconds: float) -> None:
        """One pipeline stage's duration (the runner calls this; it owns the timing)."""
        self._stage_seconds.labels(stage=stage).observe(seconds)

    def observe_llm_call(self, provider: str, outcome: str, seconds: float) -> None:
        """One LLM call: `outcome` is a short fixed word ("ok", "timeout", "error", ...)."""
        self._llm_seconds.labels(provider=provider, outcome=outcome).observe(seconds)

    def cache_result(self, hit: bool) -> None:
        """One response-cache look-up."""
        self._cache_requests.labels(result="hit" if hit else "miss").inc()

    def set_circuit_state(self, state: str) -> None:
        """The breaker moved to `state`: "closed", "half_open" (or "half-open"), "open"."""
        try:
            value = CIRCUIT_STATES[state]
        except KeyError:
            raise ValueError(f"unknown circuit state {state!r}") from None
        self._circuit_state.set(value)

    def set_jobs_queued(self, count: int) -> None:
        """How many jobs wait in the queue now."""
        self._jobs_queued.set(count)

    def case_completed(self, route: str) -> None:
        """A run completed and decided `route`."""
        self._cases.labels(route=route).inc()

    # -- reading --------------------------------------------------------------------------------

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition body and its content type: OpenMetrics when `accept` asks for it,
        the Prometheus text format otherwise."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type

    def close(self) -> None:
        """Process shutdown: in multi-process mode, drop this process's live gauges."""
        if self.multiprocess_dir is not None:
            directory = str(self.multiprocess_dir)
            multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def _add_process_collectors(registry: CollectorRegistry) -> None:
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)  # registers itself only where gc statistics exist


def _check_multiprocess(directory: Path) -> None:
    if not getattr(values.ValueClass, "_multiprocess", False):
        raise ConfigurationError(
            f"{MULTIPROC_ENV} must be in the environment before the process starts "
            "(prometheus_client reads it once, at import)"
        )
    if not directory.is_dir():
        raise ConfigurationError(f"{MULTIPROC_ENV} must name an existing directory")


@cache
def _process_metrics(directory: Path) -> Metrics:
    return Metrics(directory)
