"""The LLM's health check: the state of its circuit breaker.

Registered under the name "llm" in the app's health registry (it replaces the "disabled"
placeholder when a provider is configured). It never calls the model: a probe that spends
tokens every few seconds would cost money and could itself trip the breaker.

    closed     ok        calls flow
    half_open  ok        the cool-down is over; the next call is the trial
    open       degraded  calls are paused: runs complete on the deterministic path

"degraded", not "down": the service still serves every request without the model, so
readiness stays 200 (PRODUCT.md §5, "LLM optional").
"""

from __future__ import annotations

from denialops.llm.breaker import CircuitBreakerLLMClient
from denialops.llm.client import BaseLLMClient
from denialops.llm.wrapper import find_layer
from denialops.observability.health import ComponentHealth


class LLMBreakerCheck:
    """Reports the breaker of `client` (any stack `stack.wrap` built)."""

    name = "llm"
    required = False

    def __init__(self, client: BaseLLMClient) -> None:
        self.client = client
        self._layer = find_layer(client, CircuitBreakerLLMClient)

    async def check(self) -> ComponentHealth:
        where = f"{self.client.provider}/{self.client.model}"
        if self._layer is None:
            return ComponentHealth(status="ok", detail=f"{where}, no breaker")
        state = self._layer.breaker.state  # reading it moves open -> half_open after cool-down
        if state == "open":  # calls are paused: runs take the deterministic path
            return ComponentHealth(status="degraded", detail=f"{where}, circuit open")
        return ComponentHealth(status="ok", detail=f"{where}, circuit {state}")
