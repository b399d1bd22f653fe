"""Stage 2, `extract_facts`: structured facts with evidence, read deterministically.

Writes `case_facts.json`. Every value carries its evidence (page, character span, quote) in
`evidence`; a value the letter does not state is null and listed in `missing_info`.
"""

from __future__ import annotations

from typing import ClassVar

from denialops.pipeline.context import CaseContext, StageNotReady
from denialops.pipeline.facts import extract_facts


class ExtractFacts:
    """Read structured facts, each with its evidence, from the letter's text."""

    name: ClassVar[str] = "extract_facts"
    required: ClassVar[bool] = True

    def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.text is None:
            raise StageNotReady(self.name, "extract_text")
        ctx.facts = extract_facts(ctx.text)
        ctx.add_artifact("case_facts.json", "application/json", ctx.facts.model_dump_json(indent=2))
        return ctx
