"""The action plan: from a case's facts and its route to steps, deadlines and documents.

`build_plan(facts, decision, mode)` picks the route's guide (`appeals`, `fixes`), fills its
texts with facts (`words`), dates its steps from `domain.deadlines`, and lists every fact it
needs but the letter does not state (`missing`). A decision with nothing to appeal gets a plan
that says so and what to do instead. Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from denialops.domain.cases import Mode
from denialops.domain.codes import lookup
from denialops.domain.deadlines import find_deadline, plan_deadlines
from denialops.domain.facts import CaseFacts, RouteDecision, RouteName
from denialops.domain.plan import NOT_VERIFIED, ActionPlan, DeadlineKind, PlanDeadline, PlanStep
from denialops.domain.planning.appeals import APPEAL_GUIDES
from denialops.domain.planning.common import APPEAL_LETTER, Guide
from denialops.domain.planning.fixes import COST_SHARE, FIX_GUIDES, UNPROCESSABLE
from denialops.domain.planning.missing import APPEAL_NEEDS, COMMON_NEEDS, missing_items
from denialops.domain.planning.words import ROUTE_LABEL, ROUTE_MEANING, Words, situation

__all__ = ["GUIDES", "ROUTE_LABEL", "build_plan", "route_documents"]

GUIDES: Final[dict[RouteName, Guide]] = {**APPEAL_GUIDES, **FIX_GUIDES}

_ALWAYS_GATHER: Final = "The denial letter and the EOB for this claim"
_UNPROCESSABLE_MEANING: Final = (
    "the claim could not be processed as sent, so there is no decision to appeal"
)
_COST_SHARE_MEANING: Final = (
    "the codes show your share of the cost (deductible, coinsurance or copay), not a denial"
)
_REVIEW_NOTE: Final = (
    "A person should check this route before anyone acts on the plan: the letter's reason was "
    "not clear enough to be sure of it."
)


def route_documents(route: RouteName, *, appealable: bool = True) -> list[str]:
    """The names of the route's document pack; no appeal letter when there is nothing to appeal."""
    documents = GUIDES[route].documents
    return [d for d in documents if appealable or d != APPEAL_LETTER]


def build_plan(
    facts: CaseFacts, decision: RouteDecision, mode: Mode, *, today: date | None = None
) -> ActionPlan:
    """The action plan for a case. `today` only marks deadlines that have already passed."""
    route = decision.route
    guide, meaning, verb = _guide(facts, decision)
    words = Words.of(facts)
    deadlines = plan_deadlines(facts, route, today, appealable=decision.appealable)
    needs = COMMON_NEEDS + (APPEAL_NEEDS if decision.appealable else ()) + guide.needs
    return ActionPlan(
        route=route,
        mode=mode,
        coverage_note=NOT_VERIFIED if mode is Mode.FAST else None,
        situation=situation(facts, meaning, verb=verb),
        recommendation=words.fill(guide.recommendation),
        appealable=decision.appealable,
        needs_human_review=decision.needs_human_review,
        notes=_notes(decision, deadlines),
        steps=_steps(guide, words, deadlines),
        deadlines=deadlines,
        gather=[_ALWAYS_GATHER, *guide.gather],
        missing=missing_items(facts, needs),
        other_options=[words.fill(option) for option in guide.other_options],
        documents=route_documents(route, appealable=decision.appealable),
    )


def _guide(facts: CaseFacts, decision: RouteDecision) -> tuple[Guide, str, str]:
    """The guide, the plain meaning and the verb ("denied"/"processed") for the decision."""
    if decision.appealable:
        return GUIDES[decision.route], ROUTE_MEANING[decision.route], "denied"
    # Not appealable means either a code that takes the appeal right away (fix and resubmit)
    # or cost sharing only (the claim was paid as the plan works).
    for code in facts.denial_codes:
        info = lookup(code.code_type, code.code)
        if info is not None and not info.appealable:
            return UNPROCESSABLE, _UNPROCESSABLE_MEANING, "returned"
    return COST_SHARE, _COST_SHARE_MEANING, "processed"


def _steps(guide: Guide, words: Words, deadlines: list[PlanDeadline]) -> list[PlanStep]:
    steps: list[PlanStep] = []
    for order, spec in enumerate(guide.steps, start=1):
        due = find_deadline(deadlines, *spec.due) if spec.due else None
        steps.append(
            PlanStep(
                order=order,
                title=words.fill(spec.title),
                detail=words.fill(spec.detail),
                responsible=spec.responsible,
                due=due.date if due else None,
            )
        )
    return steps


def _notes(decision: RouteDecision, deadlines: list[PlanDeadline]) -> list[str]:
    notes: list[str] = []
    if decision.needs_human_review:
        notes.append(_REVIEW_NOTE)
        others = [ROUTE_LABEL[a.route] for a in decision.alternatives[:2]]
        if others:
            notes.append("Other routes that could fit: " + ", ".join(others) + ".")
    for item in deadlines:
        if not item.passed:
            continue
        if item.kind is DeadlineKind.DEADLINE:
            notes.append(
                f"The appeal deadline {item.date} has already passed: ask the plan at once "
                "whether it accepts a late appeal for good cause, and keep proof of any reason "
                "you could not meet it."
            )
        else:
            notes.append(f"{item.title}: the target date {item.date} has passed, so do it now.")
    return notes
