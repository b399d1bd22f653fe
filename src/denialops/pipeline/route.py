"""Stage 4, `route`: the best next action, scored from explainable signals.

Writes `route.json`: route, confidence, the reasoning naming each signal, ranked alternatives,
and `needs_human_review` when confidence is below 0.5.
"""

from __future__ import annotations

from typing import Any, ClassVar

from denialops.domain.routing import route
from denialops.pipeline.context import CaseContext, StageNotReady


class Route:
    """Choose the route from the facts, the letter's words and (verified mode) plan rules."""

    name: ClassVar[str] = "route"
    required: ClassVar[bool] = True

    def __init__(self, plan_rules: list[dict[str, Any]] | None = None) -> None:
        self.plan_rules = plan_rules

    def __call__(self, ctx: CaseContext) -> CaseContext:
        if ctx.facts is None or ctx.text is None:
            raise StageNotReady(self.name, "extract_facts")
        ctx.decision = route(ctx.facts, ctx.text.full_text, self.plan_rules)
        ctx.add_artifact("route.json", "application/json", ctx.decision.model_dump_json(indent=2))
        return ctx
