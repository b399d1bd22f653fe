"""Reading metric values in tests."""

from __future__ import annotations

from denialops.observability.metrics import Metrics


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """A sample's current value; 0 when the series does not exist (yet)."""
    return metrics.registry.get_sample_value(name, labels) or 0.0
