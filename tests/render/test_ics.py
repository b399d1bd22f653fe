"""`deadlines.ics`: one all-day event per plan deadline, with reminders, stable to the byte."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Component

from denialops.domain.cases import Mode
from denialops.domain.facts import RouteName
from denialops.domain.plan import DISCLAIMER, ActionPlan, DeadlineKind, PlanDeadline
from denialops.render.ics import deadline_uid, deadlines_ics

DEADLINES = [
    PlanDeadline(
        date="2024-06-08",
        title="Call the payer",
        kind=DeadlineKind.FOLLOW_UP,
        derived_from="dates.date_of_denial",
        base_date="2024-06-01",
        offset_days=7,
    ),
    PlanDeadline(
        date="2024-11-14",
        title="Send the appeal",
        kind=DeadlineKind.FOLLOW_UP,
        derived_from="dates.appeal_deadline",
        base_date="2024-11-28",
        offset_days=-14,
    ),
    PlanDeadline(
        date="2024-11-28",
        title="Appeal deadline",
        kind=DeadlineKind.DEADLINE,
        derived_from="dates.appeal_deadline",
        base_date="2024-11-28",
        offset_days=0,
    ),
]


def plan_with(deadlines: list[PlanDeadline]) -> ActionPlan:
    return ActionPlan(
        route=RouteName.MEDICAL_NECESSITY_APPEAL,
        mode=Mode.FAST,
        situation="",
        recommendation="",
        deadlines=deadlines,
    )


def events(data: bytes) -> list[Component]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


class TestDeadlinesCalendar:
    def test_one_all_day_event_per_deadline(self) -> None:
        found = events(deadlines_ics(plan_with(DEADLINES), "case-1"))

        assert [str(e["summary"]) for e in found] == [d.title for d in DEADLINES]
        for event, deadline in zip(found, DEADLINES, strict=True):
            start, end = event.decoded("dtstart"), event.decoded("dtend")
            assert type(start) is date  # a DATE, not a DATE-TIME
            assert start == date.fromisoformat(deadline.date)
            assert end == start + timedelta(days=1)
            assert event["dtstart"].params["VALUE"] == "DATE"

    def test_description_is_the_derivation_and_the_disclaimer(self) -> None:
        found = events(deadlines_ics(plan_with(DEADLINES), "case-1"))

        description = str(found[1]["description"])
        assert description == (
            f"2024-11-14: 14 days before the appeal deadline 2024-11-28\n\n{DISCLAIMER}"
        )

    def test_reminders_three_and_one_day_before_a_deadline_one_before_a_follow_up(self) -> None:
        found = events(deadlines_ics(plan_with(DEADLINES), "case-1"))

        triggers = [[a.decoded("trigger") for a in e.walk("VALARM")] for e in found]
        assert triggers == [
            [timedelta(days=-1)],
            [timedelta(days=-1)],
            [timedelta(days=-3), timedelta(days=-1)],
        ]
        for alarm in found[2].walk("VALARM"):
            assert str(alarm["action"]) == "DISPLAY"
            assert str(alarm["description"]) == "Reminder: Appeal deadline"

    def test_uids_are_stable_hashes_of_case_date_and_title(self) -> None:
        found = events(deadlines_ics(plan_with(DEADLINES), "case-1"))

        digest = hashlib.sha256(b"case-12024-11-28Appeal deadline").hexdigest()[:32]
        assert str(found[2]["uid"]) == f"{digest}@denialops"
        assert [str(e["uid"]) for e in found] == [deadline_uid("case-1", d) for d in DEADLINES]
        other = events(deadlines_ics(plan_with(DEADLINES), "case-2"))
        assert {str(e["uid"]) for e in found}.isdisjoint(str(e["uid"]) for e in other)

    def test_same_plan_same_bytes(self) -> None:
        plan = plan_with(DEADLINES)
        assert deadlines_ics(plan, "case-1") == deadlines_ics(plan_with(DEADLINES), "case-1")

    def test_dtstamp_is_derived_from_the_plan_or_given(self) -> None:
        derived = events(deadlines_ics(plan_with(DEADLINES), "case-1"))
        stamp = datetime(2024, 6, 2, 9, 30, tzinfo=UTC)
        given = events(deadlines_ics(plan_with(DEADLINES), "case-1", stamp=stamp))

        assert {e.decoded("dtstamp") for e in derived} == {datetime(2024, 6, 1, tzinfo=UTC)}
        assert {e.decoded("dtstamp") for e in given} == {stamp}

    def test_no_deadlines_is_a_valid_empty_calendar(self) -> None:
        data = deadlines_ics(plan_with([]), "case-1")
        calendar = Calendar.from_ical(data)

        assert data.startswith(b"BEGIN:VCALENDAR\r\n")
        assert data.rstrip().endswith(b"END:VCALENDAR")
        assert str(calendar["version"]) == "2.0"
        assert str(calendar["prodid"]).startswith("-//DenialOps//")
        assert list(calendar.walk("VEVENT")) == []
