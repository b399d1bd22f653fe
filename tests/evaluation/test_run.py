"""`evaluate_directory`/`run_letter`: the eval runs the whole pipeline and counts what the
grounding check finds in generated documents."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from denialops.evaluation import LabelledLetter, load_labelled_set
from denialops.evaluation.run import run_letter
from denialops.pipeline.build import full_pipeline
from denialops.pipeline.context import CaseContext
from denialops.pipeline.runner import PipelineRunner

EVAL_SET = Path(__file__).parents[2] / "eval" / "letters"


class _Inventor:
    """Stands in for an LLM that makes things up: writes a phone and a date of its own."""

    name: ClassVar[str] = "inventor"
    required: ClassVar[bool] = True

    def __call__(self, ctx: CaseContext) -> CaseContext:
        ctx.add_artifact("appeal_letter.md", "text/markdown", "Call 1-800-555-9999 by 2031-01-01.")
        return ctx


def _letter() -> LabelledLetter:
    return next(x for x in load_labelled_set(EVAL_SET) if x.id == "01_piedmont_mri_pa")


def test_a_clean_run_has_no_hallucinations() -> None:
    result = run_letter(full_pipeline(), _letter())
    assert result.error is None
    assert result.hallucinations == 0


def test_invented_values_in_a_document_are_counted() -> None:
    stages = full_pipeline().stages
    runner = PipelineRunner([*stages[:-1], _Inventor(), stages[-1]])
    result = run_letter(runner, _letter())
    assert result.hallucinations == 2
