"""Observability: request logging and metrics middleware, Prometheus metrics, health checks.

- `metrics.py`: every Prometheus metric and the `Metrics` object that records them.
- `middleware.py`: one log line and the HTTP metrics for every request (pure ASGI).
- `health.py`: the `HealthCheck` interface and the registry the layers add their checks to.

The log set-up itself stays in `denialops/logs.py`; `docs/observability.md` says how to use it all.
"""
