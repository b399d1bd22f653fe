"""Run the pipeline over a labelled set and score it (`denialops eval`).

Without a language model the letters run one after the other through `run_sync`. With one
(`settings.llm_provider` other than `none`), the whole batch runs in one event loop
(`anyio.run`), through the async pipeline that awaits the LLM stages, with one client whose
connection pool lives in that loop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import anyio

from denialops.config import Settings
from denialops.errors import DenialOpsError
from denialops.evaluation.labels import LabelledLetter, load_labelled_set
from denialops.evaluation.report import EvalReport, LetterResult, score
from denialops.llm.models import LLMProvider
from denialops.pipeline.build import full_pipeline, llm_pipeline
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.grounding import REPORT as GROUNDING_REPORT
from denialops.pipeline.runner import PipelineRunner
from denialops.pipeline.text import sniff_content_type

OnLetter = Callable[[LabelledLetter, LetterResult], None]


def run_letter(runner: PipelineRunner, letter: LabelledLetter) -> LetterResult:
    """Analyse one letter file; a user-facing error becomes a failed result, not a crash."""
    started = time.perf_counter()
    try:
        ctx = runner.run_sync(_context(letter))
    except DenialOpsError as e:
        return _failed(letter, e, started)
    return _result(letter, ctx, time.perf_counter() - started)


async def arun_letter(runner: PipelineRunner, letter: LabelledLetter) -> LetterResult:
    """`run_letter` for a pipeline with async (LLM) stages, in the running event loop."""
    started = time.perf_counter()
    try:
        ctx = await runner.run(_context(letter))
    except DenialOpsError as e:
        return _failed(letter, e, started)
    return _result(letter, ctx, time.perf_counter() - started)


def _context(letter: LabelledLetter) -> CaseContext:
    data = letter.path.read_bytes()
    content_type = sniff_content_type(data, letter.path.name)
    if content_type is None:
        raise DenialOpsError(f"{letter.path.name}: unsupported file type")
    return CaseContext(letter=InputDocument(data, content_type))


def _failed(letter: LabelledLetter, error: DenialOpsError, started: float) -> LetterResult:
    return LetterResult(
        label=letter.label,
        facts=None,
        route=None,
        error=error.message,
        seconds=time.perf_counter() - started,
    )


def _result(letter: LabelledLetter, ctx: CaseContext, seconds: float) -> LetterResult:
    decision = ctx.decision
    report = ctx.artifacts.get(GROUNDING_REPORT)
    hallucinations = (
        sum(len(r["violations"]) for r in json.loads(report.data)) if report is not None else None
    )
    return LetterResult(
        label=letter.label,
        facts=ctx.facts,
        route=decision.route if decision else None,
        appealable=decision.appealable if decision else None,
        seconds=seconds,
        hallucinations=hallucinations,
        llm=ctx.llm.info(),
    )


def evaluate_directory(
    directory: Path, on_letter: OnLetter | None = None, *, settings: Settings | None = None
) -> EvalReport:
    """Score the whole pipeline on every labelled letter in `directory`: what it reads, and
    whether any generated document carries a value the letter does not support.

    `settings` with an LLM provider runs the LLM stages too (and reports their usage)."""
    letters = load_labelled_set(directory)
    if settings is None or settings.llm_provider is LLMProvider.NONE:
        runner = full_pipeline()
        results = []
        for letter in letters:
            result = run_letter(runner, letter)
            if on_letter is not None:
                on_letter(letter, result)
            results.append(result)
        return score(results)
    return score(anyio.run(_evaluate_with_llm, letters, settings, on_letter))


async def _evaluate_with_llm(
    letters: list[LabelledLetter], settings: Settings, on_letter: OnLetter | None
) -> list[LetterResult]:
    results = []
    async with llm_pipeline(settings) as runner:
        for letter in letters:
            result = await arun_letter(runner, letter)
            if on_letter is not None:
                on_letter(letter, result)
            results.append(result)
    return results
