"""The language model's part in an evaluation run: how often it was used or fell back, what it
cost, and how many of its values were rejected as unsupported by the letters.

`rejected_values` counts what the pipeline caught (a value the letter does not state, a
paragraph the facts do not support); the report's `hallucinations` counts what got past it
into a generated document (zero is the bar, as without a model).
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from denialops.pipeline.llm.trace import LLMRunInfo


class LLMSummary(BaseModel):
    """The LLM usage over every letter of an evaluation run."""

    provider: str
    model: str | None = None
    letters_used: int = 0
    letters_fallback: int = 0
    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    merged_values: int = 0
    rejected_values: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def summarise(infos: Iterable[LLMRunInfo | None]) -> LLMSummary | None:
    """The summary of the runs that had a model configured; None when none had."""
    enabled = [info for info in infos if info is not None and info.status != "disabled"]
    if not enabled:
        return None
    summary = LLMSummary(provider=enabled[0].provider, model=enabled[0].model)
    for info in enabled:
        summary.letters_used += info.status == "used"
        summary.letters_fallback += info.status == "fallback"
        summary.calls += info.calls
        summary.cache_hits += info.cache_hits
        summary.failures += info.failures
        summary.merged_values += len(info.merged_fields)
        summary.rejected_values += info.rejected_values
        summary.input_tokens += info.input_tokens
        summary.output_tokens += info.output_tokens
        summary.cost_usd += info.cost_usd
    summary.cost_usd = round(summary.cost_usd, 6)
    return summary


def table_rows(summary: LLMSummary) -> list[tuple[str, str, str, str]]:
    """Rows for the evaluation table (metric, value, threshold, ok)."""
    model = f"{summary.provider}/{summary.model}" if summary.model else summary.provider
    return [
        ("LLM", model, "", ""),
        (
            "LLM letters used / fallback",
            f"{summary.letters_used} / {summary.letters_fallback}",
            "",
            "",
        ),
        (
            "LLM calls (cache hits, failures)",
            f"{summary.calls} ({summary.cache_hits}, {summary.failures})",
            "",
            "",
        ),
        ("LLM values merged", str(summary.merged_values), "", ""),
        ("LLM values rejected (unsupported)", str(summary.rejected_values), "", ""),
        (
            "LLM tokens in / out, cost USD",
            f"{summary.input_tokens} / {summary.output_tokens}, {summary.cost_usd:.4f}",
            "",
            "",
        ),
    ]
