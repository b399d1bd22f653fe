"""What LLM calls cost: a price table, the cost of one completion, and a per-case ledger.

Prices are list prices in USD per million tokens, input and output, as the providers
published them when this table was last checked (see `PRICES`); a model we have no price for
— any local model, or a new cloud one — costs 0 rather than a guess. A dated snapshot name
(`claude-3-5-haiku-20241022`) takes its family's price.

The ledger is per case, while the LLM client is one for the whole process, so the client
finds the ledger of the run it is serving in a context variable:

    with track_usage() as ledger:
        await pipeline.run(case)
    artifacts.usage = ledger.model_copy()

A context variable (rather than an argument on every call) keeps `BaseLLMClient`'s interface
as it is, and asyncio copies it into every task the run starts, so concurrent stages share
the run's ledger and concurrent runs never mix theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from pydantic import BaseModel

from denialops.llm.models import Completion, CompletionRequest
from denialops.llm.wrapper import LLMClientWrapper, relay


@dataclass(frozen=True)
class Price:
    """USD per million input and output tokens."""

    input_per_mtok: float
    output_per_mtok: float


FREE = Price(0.0, 0.0)

#: (provider, model family) -> list price. Checked 2026-11 against the providers' pricing
#: pages; update here, and only here, when they change.
PRICES: dict[tuple[str, str], Price] = {
    ("openai", "gpt-5.4-mini"): Price(0.75, 4.50),
    ("openai", "gpt-5.4-nano"): Price(0.20, 1.25),
    ("openai", "gpt-5"): Price(1.25, 10.00),
    ("openai", "gpt-5-mini"): Price(0.25, 2.00),
    ("openai", "gpt-5-nano"): Price(0.05, 0.40),
    ("openai", "gpt-4.1"): Price(2.00, 8.00),
    ("openai", "gpt-4.1-mini"): Price(0.40, 1.60),
    ("openai", "gpt-4o"): Price(2.50, 10.00),
    ("openai", "gpt-4o-mini"): Price(0.15, 0.60),
    ("anthropic", "claude-haiku-4-5"): Price(1.00, 5.00),
    ("anthropic", "claude-sonnet-4-5"): Price(3.00, 15.00),
    ("anthropic", "claude-sonnet-4"): Price(3.00, 15.00),
    ("anthropic", "claude-3-5-haiku"): Price(0.80, 4.00),
}


def price_for(provider: str, model: str) -> Price:
    """The model's price: an exact entry, else its family's (the longest listed name that
    `model` extends with `-...`), else free."""
    exact = PRICES.get((provider, model))
    if exact is not None:
        return exact
    families = [
        name
        for (listed_provider, name) in PRICES
        if listed_provider == provider and model.startswith(name + "-")
    ]
    return PRICES[(provider, max(families, key=len))] if families else FREE


def cost_usd(provider: str, model: str, input_tokens: int, output_tokens: int) -> float:
    """What these tokens cost on this model, in USD."""
    price = price_for(provider, model)
    return (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1_000_000


def priced(completion: Completion) -> Completion:
    """`completion` with `cost_usd` filled in: 0 for a cache hit (nothing was billed), the
    provider's own figure when it gave one, else our price table's."""
    if completion.cached:
        cost = 0.0
    elif completion.cost_usd:
        cost = completion.cost_usd
    else:
        usage = completion.usage
        cost = cost_usd(
            completion.provider, completion.model, usage.input_tokens, usage.output_tokens
        )
    return completion.model_copy(update={"cost_usd": cost})


class UsageLedger(BaseModel):
    """One case's LLM usage: calls made, answers from the cache, calls that failed, tokens
    billed and their cost. Tokens of cached answers are not billed, so not counted."""

    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def record(self, completion: Completion) -> None:
        self.calls += 1
        if completion.cached:
            self.cache_hits += 1
            return
        self.input_tokens += completion.usage.input_tokens
        self.output_tokens += completion.usage.output_tokens
        self.cost_usd += completion.cost_usd

    def record_stream(self) -> None:
        """A streamed answer: providers report no usage on our stream interface."""
        self.calls += 1

    def record_failure(self) -> None:
        self.calls += 1
        self.failures += 1


_ledger: ContextVar[UsageLedger | None] = ContextVar("denialops_llm_ledger", default=None)


def current_ledger() -> UsageLedger | None:
    """The ledger of the run in progress, if the caller is tracking one."""
    return _ledger.get()


@contextmanager
def track_usage(ledger: UsageLedger | None = None) -> Iterator[UsageLedger]:
    """Record the LLM usage of everything run inside the block in `ledger` (a new one by
    default), and yield it."""
    ledger = ledger if ledger is not None else UsageLedger()
    token = _ledger.set(ledger)
    try:
        yield ledger
    finally:
        _ledger.reset(token)


class AccountingLLMClient(LLMClientWrapper):
    """Prices every completion and records it, and every failure, in the current ledger."""

    async def complete(self, request: CompletionRequest) -> Completion:
        return await self._accounted(lambda: self.inner.complete(request))

    async def complete_json(
        self, request: CompletionRequest, schema: type[BaseModel]
    ) -> Completion:
        return await self._accounted(lambda: self.inner.complete_json(request, schema))

    async def stream(self, request: CompletionRequest) -> AsyncIterator[str]:
        ledger = current_ledger()
        if ledger is not None:
            ledger.record_stream()
        async for chunk in relay(self.inner.stream(request)):
            yield chunk

    @staticmethod
    async def _accounted(call: Callable[[], Awaitable[Completion]]) -> Completion:
        ledger = current_ledger()
        try:
            completion = priced(await call())
        except Exception:
            if ledger is not None:
                ledger.record_failure()
            raise
        if ledger is not None:
            ledger.record(completion)
        return completion
