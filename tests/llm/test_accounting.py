"""Prices, the cost of a completion, and the per-case usage ledger — alone and in the stack."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from denialops.config import Settings, load_settings
from denialops.errors import LLMBadResponse, LLMServerError
from denialops.llm.accounting import (
    FREE,
    AccountingLLMClient,
    Price,
    UsageLedger,
    cost_usd,
    current_ledger,
    price_for,
    priced,
    track_usage,
)
from denialops.llm.models import Completion, Usage
from denialops.llm.pseudonymise import PHIKind, phi_scope
from denialops.llm.stack import wrap

from .scripted import RecordingSleep, ScriptedLLM, collect, request

pytestmark = pytest.mark.anyio


def answer(*, provider: str = "openai", model: str = "gpt-4o-mini", **fields: object) -> Completion:
    usage = Usage(input_tokens=2_000_000, output_tokens=1_000_000)
    return Completion.model_validate(
        {"text": "x", "provider": provider, "model": model, "usage": usage, **fields}
    )


class TestPrices:
    def test_a_listed_model_has_its_price(self) -> None:
        assert price_for("openai", "gpt-4o-mini") == Price(0.15, 0.60)
        assert price_for("anthropic", "claude-haiku-4-5") == Price(1.00, 5.00)

    def test_a_dated_snapshot_takes_its_familys_price(self) -> None:
        assert price_for("openai", "gpt-4o-mini-2024-07-18") == Price(0.15, 0.60)
        assert price_for("openai", "gpt-4o-2024-08-06") == Price(2.50, 10.00)
        assert price_for("anthropic", "claude-3-5-haiku-20241022") == Price(0.80, 4.00)

    @pytest.mark.parametrize(
        ("provider", "model"),
        [("local", "smollm2"), ("openai", "some-new-model"), ("openai", "gpt-4oX"), ("x", "y")],
    )
    def test_unknown_and_local_models_are_free(self, provider: str, model: str) -> None:
        assert price_for(provider, model) == FREE

    def test_cost_is_per_million_tokens(self) -> None:
        assert cost_usd("openai", "gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
        assert cost_usd("openai", "gpt-4o-mini", 2_000, 500) == pytest.approx(0.0006)


class TestPriced:
    def test_fills_the_cost_from_the_table(self) -> None:
        assert priced(answer()).cost_usd == pytest.approx(2 * 0.15 + 0.60)

    def test_a_cache_hit_costs_nothing(self) -> None:
        assert priced(answer(cached=True, cost_usd=1.0)).cost_usd == 0.0

    def test_the_providers_own_figure_wins(self) -> None:
        assert priced(answer(cost_usd=0.42)).cost_usd == 0.42

    def test_a_local_model_costs_nothing(self) -> None:
        assert priced(answer(provider="local", model="llama3")).cost_usd == 0.0


class TestLedger:
    async def test_records_calls_tokens_cost_hits_and_failures(self) -> None:
        inner = ScriptedLLM(
            [answer(), answer(cached=True), LLMServerError(), answer(provider="local")]
        )
        client = AccountingLLMClient(inner)
        with track_usage() as ledger:
            await client.complete(request())
            await client.complete(request())
            with pytest.raises(LLMServerError):
                await client.complete(request())
            await client.complete(request())
            await collect(client.stream(request()))
        assert ledger.calls == 5
        assert ledger.cache_hits == 1
        assert ledger.failures == 1
        assert ledger.input_tokens == 4_000_000  # the hit's tokens were not billed
        assert ledger.output_tokens == 2_000_000
        assert ledger.cost_usd == pytest.approx(0.90)

    async def test_completions_are_returned_priced(self) -> None:
        client = AccountingLLMClient(ScriptedLLM([answer()]))
        assert (await client.complete(request())).cost_usd == pytest.approx(0.90)

    async def test_outside_a_run_nothing_is_recorded_and_nothing_breaks(self) -> None:
        client = AccountingLLMClient(ScriptedLLM([answer()]))
        assert current_ledger() is None
        await client.complete(request())

    async def test_concurrent_runs_keep_their_own_ledgers(self) -> None:
        client = AccountingLLMClient(ScriptedLLM())

        async def run(calls: int) -> UsageLedger:
            with track_usage() as ledger:
                for _ in range(calls):
                    await client.complete(request())
                    await asyncio.sleep(0)
            return ledger

        two, five = await asyncio.gather(run(2), run(5))
        assert (two.calls, five.calls) == (2, 5)

    async def test_tasks_a_run_starts_share_its_ledger(self) -> None:
        client = AccountingLLMClient(ScriptedLLM())
        with track_usage() as ledger:
            await asyncio.gather(*(client.complete(request()) for _ in range(3)))
        assert ledger.calls == 3

    def test_the_ledger_serialises_for_the_run_record(self) -> None:
        ledger = UsageLedger(calls=2, input_tokens=10, cost_usd=0.5)
        assert UsageLedger.model_validate_json(ledger.model_dump_json()) == ledger

    def test_the_scope_is_reset_afterwards(self) -> None:
        with track_usage():
            assert current_ledger() is not None
        assert current_ledger() is None


class TestThroughTheStack:
    async def test_a_case_run_is_priced_cached_and_pseudonymised(self, tmp_path: Path) -> None:
        settings = load(tmp_path)
        inner = ScriptedLLM(
            ["Member [[MEMBER_ID_1]] may appeal."] * 2,
            provider="anthropic",
            model="claude-haiku-4-5",
            usage=Usage(input_tokens=1000, output_tokens=200),
        )
        stack = wrap(inner, settings, sleep=RecordingSleep())
        letter = request("Member ID: W123456789. Why was this denied?")
        with track_usage() as ledger, phi_scope({PHIKind.MEMBER_ID: ["W123456789"]}):
            first = await stack.complete(letter)
            second = await stack.complete(letter)
        assert first.text == second.text == "Member W123456789 may appeal."
        assert "W123456789" not in inner.requests[0].messages[0].content
        assert inner.calls == 1
        assert first.cost_usd == pytest.approx(0.002)
        assert second.cost_usd == 0.0
        assert (ledger.calls, ledger.cache_hits) == (2, 1)
        assert ledger.cost_usd == pytest.approx(0.002)

    async def test_a_failing_provider_is_counted_once_per_call(self, tmp_path: Path) -> None:
        inner = ScriptedLLM([LLMServerError()] * 3 + [LLMBadResponse()])
        stack = wrap(inner, load(tmp_path), sleep=RecordingSleep())
        with track_usage() as ledger:
            with pytest.raises(LLMServerError):
                await stack.complete(request())
            with pytest.raises(LLMBadResponse):
                await stack.complete(request("another"))
        assert inner.calls == 4
        assert (ledger.calls, ledger.failures) == (2, 2)


def load(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path, llm_max_retries=2)
