"""`deadlines.ics`: the plan's deadlines as an iCalendar file a calendar app can import.

One all-day event per `PlanDeadline` (DTSTART is the date, DTEND the day after, as RFC 5545
wants for all-day events), its derivation ("14 days before the appeal deadline …") and the
disclaimer as the description, and display reminders: three days and one day before a
deadline, one day before a follow-up. Nothing in the file depends on the clock, so the same
plan always gives the same bytes: UIDs hash the case reference, date and title, and DTSTAMP
is given or derived from the plan's own dates.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from icalendar import Alarm, Calendar, Event

from denialops.domain.plan import DISCLAIMER, ActionPlan, DeadlineKind, PlanDeadline

__all__ = ["EPOCH", "deadline_uid", "deadlines_ics"]

PRODID: Final = "-//DenialOps//Deadlines//EN"
#: DTSTAMP of a plan without dates (no event carries it; kept for a complete signature).
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
REMINDERS: Final[dict[DeadlineKind, tuple[int, ...]]] = {
    DeadlineKind.DEADLINE: (3, 1),
    DeadlineKind.FOLLOW_UP: (1,),
}


def deadlines_ics(plan: ActionPlan, case_ref: str, *, stamp: datetime | None = None) -> bytes:
    """The plan's deadlines as iCalendar bytes. `stamp` is every event's DTSTAMP; by default
    it is midnight UTC of the earliest date the plan's deadlines are computed from, so
    re-rendering the same plan never changes the file."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Denial deadlines")
    dtstamp = stamp if stamp is not None else _derived_stamp(plan)
    for deadline in plan.deadlines:
        calendar.add_component(_event(deadline, case_ref, dtstamp))
    return bytes(calendar.to_ical())


def deadline_uid(case_ref: str, deadline: PlanDeadline) -> str:
    """A stable event UID: the same case, date and title always give the same UID, so a
    re-import updates the event instead of duplicating it."""
    digest = hashlib.sha256(f"{case_ref}{deadline.date}{deadline.title}".encode()).hexdigest()
    return f"{digest[:32]}@denialops"


def _event(deadline: PlanDeadline, case_ref: str, dtstamp: datetime) -> Event:
    day = date.fromisoformat(deadline.date)
    event = Event()
    event.add("uid", deadline_uid(case_ref, deadline))
    event.add("dtstamp", dtstamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", deadline.title)
    event.add("description", f"{deadline.explanation}\n\n{DISCLAIMER}")
    event.add("transp", "TRANSPARENT")  # a reminder, not time the user is busy
    for days in REMINDERS[deadline.kind]:
        event.add_component(_alarm(deadline.title, days))
    return event


def _alarm(title: str, days_before: int) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Reminder: {title}")
    alarm.add("trigger", timedelta(days=-days_before))
    return alarm


def _derived_stamp(plan: ActionPlan) -> datetime:
    days = [date.fromisoformat(d.base_date) for d in plan.deadlines]
    days += [date.fromisoformat(d.date) for d in plan.deadlines]
    return datetime.combine(min(days), time(), tzinfo=UTC) if days else EPOCH
