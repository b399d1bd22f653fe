"""The routing engine: the best next action for a denial, with confidence and reasons.

`route(facts, text, plan_rules)` scores the ten routes (PRODUCT.md §2) from explainable
signals and never from a single input alone:

- codes: each CARC/RARC in `facts.denial_codes` adds its route hints (`domain.codes`);
  cost-sharing and pricing codes (PR-1/2/3, CO-45) are noted as "not a denial";
- words: curated phrases (`routing.phrases`), weighed by where they sit (`routing.context`):
  the stated reason counts most, boilerplate hardly, instruction-like text not at all, and a
  negated phrase counts against its route;
- plan rules, when given, with a moderate weight.

A letter whose codes are patient cost sharing only, with nothing else speaking up, goes to
`coverage_exclusion`: the plan's benefit terms decide what the member owes, and they are what
to check. Whether there is anything to appeal is decided last, from the codes, the chosen route
and the letter's own statements (`routing.appeal`).

The letter is untrusted data: nothing in it is read as a command, and route names written in
it are not signals. Pure: no I/O; linear in the size of the text.
"""

from __future__ import annotations

from typing import Any, Final

from denialops.domain.facts import CaseFacts, RouteDecision, RouteName, Signal
from denialops.domain.routing.appeal import no_appeal_notes
from denialops.domain.routing.context import TextReader
from denialops.domain.routing.decision import FALLBACK_ROUTE, UNKNOWN_MASS, decide
from denialops.domain.routing.signals import (
    Findings,
    Scored,
    code_findings,
    plan_rule_findings,
)
from denialops.domain.routing.text import text_findings

__all__ = ["FALLBACK_ROUTE", "UNKNOWN_MASS", "route"]

#: Below this top score, a letter whose only codes are cost sharing is not treated as a denial.
_MIN_DENIAL_SCORE: Final = 1.0
#: Cost sharing only: what the member owes follows the plan's benefit terms. Modest on purpose,
#: so a person still looks (confidence stays below the review line).
_COST_SHARING_WEIGHT: Final = 1.0
_COST_SHARING: Final = Scored(
    Signal(
        kind="context",
        value="patient cost sharing only",
        route=RouteName.COVERAGE_EXCLUSION,
        weight=_COST_SHARING_WEIGHT,
    ),
    "the codes show patient cost sharing only (deductible, coinsurance, copay): the plan's "
    f"benefit terms decide what is owed \u2192 coverage_exclusion +{_COST_SHARING_WEIGHT:.1f}",
)


def route(
    facts: CaseFacts, text: str, plan_rules: list[dict[str, Any]] | None = None
) -> RouteDecision:
    """Choose the route for a case from its facts, its letter's text and its plan rules."""
    codes = code_findings(facts.denial_codes)
    reader = TextReader.of(text)
    words = text_findings(reader, facts.denial_reason, facts.evidence.get("denial_reason"))
    rules = plan_rule_findings(plan_rules or [])
    scored = codes.scored + words.scored + rules.scored
    notes = codes.notes + words.notes + rules.notes
    cost_sharing_only = _cost_sharing_only(codes, scored)
    if cost_sharing_only:
        scored.append(_COST_SHARING)
    decision = decide(scored, codes.lines + words.lines + rules.lines, notes, appealable=True)
    blockers = no_appeal_notes(
        decision.route,
        reader,
        facts.denial_reason,
        cost_sharing_only=cost_sharing_only,
        adjudicated=codes.denial_carcs > 0,
    )
    if not (blockers or codes.not_appealable):
        return decision
    return decision.model_copy(update={"appealable": False, "notes": [*decision.notes, *blockers]})


def _cost_sharing_only(codes: Findings, scored: list[Scored]) -> bool:
    """True when the codes are all cost sharing/adjustments and nothing else speaks up."""
    if codes.route_codes or not codes.non_denial_codes:
        return False
    totals: dict[RouteName, float] = {}
    for item in scored:
        totals[item.signal.route] = totals.get(item.signal.route, 0.0) + item.signal.weight
    return max(totals.values(), default=0.0) < _MIN_DENIAL_SCORE
