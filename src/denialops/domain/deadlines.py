"""Deadline arithmetic for the action plan: dated items computed from the letter's own dates.

Every item is `base date + offset`, where the base is a date in `CaseFacts` and the offset is
fixed here, so a reader can redo the sum ("2024-07-14: 14 days before the appeal deadline
2024-07-28"). There is no default window and no "typical" limit: when the base date is missing,
there is no item (the plan lists the missing fact instead). A follow-up never lands after the
deadline it serves nor before the letter that started the clock; when it would, it is dropped.
Pure: no I/O, no clock (pass `today` to have passed dates marked).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from denialops.domain.facts import CaseFacts, RouteName
from denialops.domain.plan import DeadlineKind, PlanDeadline

__all__ = [
    "APPEAL_DEADLINE",
    "APPEAL_ROUTES",
    "CALL_PAYER",
    "GATHER_SUPPORT",
    "SUBMIT_APPEAL",
    "find_deadline",
    "parse_iso",
    "plan_deadlines",
]

# Titles double as the keys steps use to find their dates (see `find_deadline`).
APPEAL_DEADLINE: Final = "Appeal deadline"
SUBMIT_APPEAL: Final = "Send the appeal"
GATHER_SUPPORT: Final = "Ask for the supporting letter and records"
CALL_PAYER: Final = "Call the payer and ask for the claim file"

#: Two weeks of slack before the appeal deadline absorbs mail, fax and portal delays.
SUBMIT_DAYS_BEFORE: Final = 14
#: Doctors' letters and records requests usually take two to four weeks to come back.
GATHER_DAYS_BEFORE: Final = 30
#: A week after the letter: late enough for the claim to show in the payer's system.
CALL_DAYS_AFTER: Final = 7

#: Routes whose main action is an appeal (or, for eligibility, a request that works like one),
#: so a target send date ahead of the deadline makes sense.
APPEAL_ROUTES: Final = frozenset(
    {
        RouteName.PRIOR_AUTH_NEEDED,
        RouteName.MEDICAL_NECESSITY_APPEAL,
        RouteName.COVERAGE_EXCLUSION,
        RouteName.OUT_OF_NETWORK,
        RouteName.TIMELY_FILING,
        RouteName.ELIGIBILITY_ISSUE,
    }
)
#: Routes whose appeal rests on a clinician's letter or outside records that take time.
_SUPPORT_ROUTES: Final = frozenset(
    {
        RouteName.PRIOR_AUTH_NEEDED,
        RouteName.MEDICAL_NECESSITY_APPEAL,
        RouteName.COVERAGE_EXCLUSION,
        RouteName.OUT_OF_NETWORK,
    }
)


def parse_iso(value: str | None) -> date | None:
    """An ISO date, or None when absent or unreadable (a bad date is treated as missing)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def plan_deadlines(
    facts: CaseFacts, route: RouteName, today: date | None = None, *, appealable: bool = True
) -> list[PlanDeadline]:
    """The dated items for a case on `route`, in date order; only what the facts support.

    With nothing to appeal (`appealable=False`) the letter's appeal deadline is boilerplate,
    so only the call to the payer is dated.
    """
    deadline = parse_iso(facts.dates.appeal_deadline) if appealable else None
    denial = parse_iso(facts.dates.date_of_denial)
    items: list[PlanDeadline] = []
    if deadline is not None:
        items.append(_item(APPEAL_DEADLINE, DeadlineKind.DEADLINE, "appeal_deadline", deadline, 0))
        if route in _SUPPORT_ROUTES:
            items.append(_before_deadline(GATHER_SUPPORT, deadline, GATHER_DAYS_BEFORE))
        if route in APPEAL_ROUTES:
            items.append(_before_deadline(SUBMIT_APPEAL, deadline, SUBMIT_DAYS_BEFORE))
    if denial is not None:
        items.append(
            _item(CALL_PAYER, DeadlineKind.FOLLOW_UP, "date_of_denial", denial, CALL_DAYS_AFTER)
        )
    kept = [i for i in items if _fits(i, deadline, denial)]
    if today is not None:
        kept = [i.model_copy(update={"passed": date.fromisoformat(i.date) < today}) for i in kept]
    return sorted(kept, key=lambda i: (i.date, i.kind != DeadlineKind.DEADLINE))


def find_deadline(deadlines: list[PlanDeadline], *titles: str) -> PlanDeadline | None:
    """The first of `titles` present in `deadlines` (titles in order of preference)."""
    by_title = {d.title: d for d in deadlines}
    for title in titles:
        if title in by_title:
            return by_title[title]
    return None


def _before_deadline(title: str, deadline: date, days: int) -> PlanDeadline:
    return _item(title, DeadlineKind.FOLLOW_UP, "appeal_deadline", deadline, -days)


def _item(title: str, kind: DeadlineKind, field: str, base: date, offset: int) -> PlanDeadline:
    return PlanDeadline(
        date=(base + timedelta(days=offset)).isoformat(),
        title=title,
        kind=kind,
        derived_from=f"dates.{field}",
        base_date=base.isoformat(),
        offset_days=offset,
    )


def _fits(item: PlanDeadline, deadline: date | None, denial: date | None) -> bool:
    """A follow-up must fall between the letter's date and the appeal deadline it serves."""
    if item.kind is DeadlineKind.DEADLINE:
        return True
    when = date.fromisoformat(item.date)
    if deadline is not None and when > deadline:
        return False
    return not (denial is not None and when < denial)
