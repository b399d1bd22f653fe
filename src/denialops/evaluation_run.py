"""Run the reading pipeline over a labelled set and score it (`denialops eval`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from denialops.errors import DenialOpsError
from denialops.evaluation import EvalReport, LabelledLetter, LetterResult, load_labelled_set, score
from denialops.pipeline.build import full_pipeline
from denialops.pipeline.context import CaseContext, InputDocument
from denialops.pipeline.grounding import REPORT as GROUNDING_REPORT
from denialops.pipeline.runner import PipelineRunner
from denialops.pipeline.text import sniff_content_type

OnLetter = Callable[[LabelledLetter, LetterResult], None]


def run_letter(runner: PipelineRunner, letter: LabelledLetter) -> LetterResult:
    """Analyse one letter file; a user-facing error becomes a failed result, not a crash."""
    data = letter.path.read_bytes()
    started = time.perf_counter()
    try:
        content_type = sniff_content_type(data, letter.path.name)
        if content_type is None:
            raise DenialOpsError(f"{letter.path.name}: unsupported file type")
        ctx = runner.run_sync(CaseContext(letter=InputDocument(data, content_type)))
    except DenialOpsError as e:
        return LetterResult(
            label=letter.label,
            facts=None,
            route=None,
            error=e.message,
            seconds=time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
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
    )


def evaluate_directory(directory: Path, on_letter: OnLetter | None = None) -> EvalReport:
    """Score the whole pipeline on every labelled letter in `directory`: what it reads, and
    whether any generated document carries a value the letter does not support."""
    runner = full_pipeline()
    results = []
    for letter in load_labelled_set(directory):
        result = run_letter(runner, letter)
        if on_letter is not None:
            on_letter(letter, result)
        results.append(result)
    return score(results)
