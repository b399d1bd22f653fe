"""Stage 5, `plan`: the action plan, from the facts and the route.

Writes `action_plan.json` (the `ActionPlan` model) and `action_plan.md` (its readable form,
from `templates/action_plan.md.j2`). Deadlines come only from the facts' dates; what the plan
needs but the letter does not give is listed as "Unknown — please provide …". The mode is
verified when a plan document (SBC/EOC) came with the case, fast otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import ClassVar, Final

from denialops.domain.cases import Mode
from denialops.domain.plan import ActionPlan
from denialops.domain.planning import ROUTE_LABEL, build_plan
from denialops.pipeline.context import CaseContext, StageNotReady
from denialops.render.templates import render

TEMPLATE: Final = "action_plan.md.j2"
_BLANK_RUNS: Final = re.compile(r"\n{3,}")


class Plan:
    """Turn the facts and the route into steps, deadlines, missing facts and a document list."""

    name: ClassVar[str] = "plan"
    required: ClassVar[bool] = True

    def __init__(self, today: date | None = None) -> None:
        # Injected rather than read from the clock, so a re-run gives the same plan and tests
        # can pin it; None leaves deadlines unjudged.
        self.today = today

    def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None or ctx.decision is None:
            raise StageNotReady(self.name, "route")
        mode = Mode.VERIFIED if ctx.plan_document is not None else Mode.FAST
        ctx.plan = build_plan(ctx.facts, ctx.decision, mode, today=self.today)
        ctx.add_artifact("action_plan.json", "application/json", ctx.plan.model_dump_json(indent=2))
        ctx.add_artifact(
            "action_plan.md", "text/markdown; charset=utf-8", render_action_plan(ctx.plan)
        )
        return ctx


def render_action_plan(
    plan: ActionPlan, explanation: Sequence[str] = (), llm_note: str | None = None
) -> str:
    """`action_plan.md`: the plan as Markdown, ending with the disclaimer. `explanation`:
    vetted plain-language paragraphs from the LLM stage; `llm_note`: a line saying the plan
    was written without the language model (when it failed)."""
    # With nothing to appeal the route is beside the point; the heading says what matters.
    heading = ROUTE_LABEL[plan.route] if plan.appealable else "nothing to appeal"
    text = render(
        TEMPLATE, plan=plan, heading=heading, explanation=list(explanation), llm_note=llm_note
    )
    # Skipped optional sections leave blank runs behind; Markdown needs only one.
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
