"""From weighed signals to a `RouteDecision`: scores, confidence, runners-up, reasoning.

A route's score is the sum of its signals' weights. Confidence is the winner's share of its
contest with the closest rival, smoothed by `UNKNOWN_MASS` (the chance that what we read says
nothing about the real reason), spread evenly over the ten routes:

    confidence(r) = (max(score(r), 0) + UNKNOWN_MASS / 10) / (top + runner-up + UNKNOWN_MASS)

So no signal at all gives 0.1; one firm code (3.0) alone about 0.70; one strong phrase in the
stated reason (2.5) about 0.66; the same phrase only in the body (1.0) 0.46; two routes with
equal evidence each stay below 0.5; and a scatter of discounted boilerplate mentions for other
routes barely moves the winner, because only the closest rival counts against it.
"""

from __future__ import annotations

from typing import Final

from denialops.domain.facts import RouteDecision, RouteName, RouteScore
from denialops.domain.routing.signals import Scored

UNKNOWN_MASS: Final = 1.5
REVIEW_BELOW: Final = 0.5
#: A runner-up at this fraction of the winner's score or more is a close call.
CLOSE_CALL: Final = 0.75
#: With no signal at all, check the claim and ask the payer for the specific reason: it costs
#: nothing, spends no appeal, and a person reviews the case anyway.
FALLBACK_ROUTE: Final = RouteName.CLAIM_CORRECTION_RESUBMIT
_ORDER: Final = {route: i for i, route in enumerate(RouteName)}


def decide(
    scored: list[Scored],
    lines: list[str],
    notes: list[str],
    *,
    appealable: bool,
) -> RouteDecision:
    """Pick the best-scoring route and explain it."""
    scores = _scores(scored)
    ranked = sorted((r for r in scores if scores[r] > 0), key=lambda r: (-scores[r], _ORDER[r]))
    contest = sum(scores[r] for r in ranked[:2])
    winner = ranked[0] if ranked else FALLBACK_ROUTE
    confidence = _confidence(scores.get(winner, 0.0), contest)
    notes = list(notes)
    summary = (
        f"chose {winner.value}: score {scores.get(winner, 0.0):.2f}, confidence {confidence:.2f}"
    )
    if not ranked:
        summary = (
            f"no routing signal in the codes, the letter or the plan rules: defaulted to "
            f"{FALLBACK_ROUTE.value} (check the claim and ask the payer for the specific reason)"
        )
        notes.append("no routing signal found; a person should read the letter")
    elif len(ranked) > 1 and scores[ranked[1]] >= CLOSE_CALL * scores[winner]:
        notes.append(f"close call between {winner.value} and {ranked[1].value}")
    ordered = sorted(scored, key=lambda s: (-abs(s.signal.weight), s.line))
    return RouteDecision(
        route=winner,
        confidence=confidence,
        reasoning=[summary, *(s.line for s in ordered), *lines],
        signals=[s.signal for s in ordered],
        alternatives=[
            RouteScore(
                route=r, score=round(scores[r], 3), confidence=_confidence(scores[r], contest)
            )
            for r in ranked
            if r is not winner
        ],
        needs_human_review=confidence < REVIEW_BELOW,
        appealable=appealable,
        notes=notes,
    )


def _scores(scored: list[Scored]) -> dict[RouteName, float]:
    scores: dict[RouteName, float] = {}
    for item in scored:
        route = item.signal.route
        scores[route] = scores.get(route, 0.0) + item.signal.weight
    return scores


def _confidence(score: float, contest: float) -> float:
    """The smoothed share of the top-two contest; always within [0, 1]."""
    value = (max(score, 0.0) + UNKNOWN_MASS / len(RouteName)) / (contest + UNKNOWN_MASS)
    return round(min(1.0, max(0.0, value)), 3)
