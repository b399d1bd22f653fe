"""Plan deadlines: only from the letter's dates, with arithmetic a reader can redo."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from denialops.domain.deadlines import (
    APPEAL_DEADLINE,
    CALL_PAYER,
    GATHER_SUPPORT,
    SUBMIT_APPEAL,
    parse_iso,
    plan_deadlines,
)
from denialops.domain.facts import CaseFacts, Dates, RouteName
from denialops.domain.plan import DeadlineKind, PlanDeadline

R = RouteName


def facts(
    denial: str | None = None, deadline: str | None = None, window: int | None = None
) -> CaseFacts:
    return CaseFacts(
        dates=Dates(date_of_denial=denial, appeal_deadline=deadline, appeal_window_days=window)
    )


def by_title(items: list[PlanDeadline]) -> dict[str, PlanDeadline]:
    return {i.title: i for i in items}


class TestAppealDeadline:
    def test_the_stated_deadline_is_a_deadline_with_no_offset(self) -> None:
        items = by_title(plan_deadlines(facts(deadline="2024-07-28"), R.TIMELY_FILING))
        deadline = items[APPEAL_DEADLINE]
        assert deadline.kind is DeadlineKind.DEADLINE
        assert deadline.date == deadline.base_date == "2024-07-28"
        assert deadline.derived_from == "dates.appeal_deadline"
        assert deadline.offset_days == 0

    def test_no_deadline_fact_means_no_deadline_nor_anything_counted_from_it(self) -> None:
        for route in RouteName:
            items = plan_deadlines(facts(denial="2024-01-30", window=180), route)
            assert [i.title for i in items] == [CALL_PAYER]
            assert all(i.derived_from == "dates.date_of_denial" for i in items)

    def test_no_dates_at_all_means_no_items(self) -> None:
        assert all(plan_deadlines(CaseFacts(), route) == [] for route in RouteName)

    def test_an_unreadable_date_counts_as_missing(self) -> None:
        assert plan_deadlines(facts(denial="30/01/2024", deadline="soon"), R.OUT_OF_NETWORK) == []
        assert parse_iso("2024-02-30") is None

    def test_nothing_to_appeal_keeps_only_the_call(self) -> None:
        items = plan_deadlines(
            facts(denial="2024-01-30", deadline="2024-07-28"), R.PRIOR_AUTH_NEEDED, appealable=False
        )
        assert [i.title for i in items] == [CALL_PAYER]


class TestFollowUps:
    def test_submission_target_is_two_weeks_before_the_deadline(self) -> None:
        items = by_title(plan_deadlines(facts(deadline="2024-07-28"), R.MEDICAL_NECESSITY_APPEAL))
        target = items[SUBMIT_APPEAL]
        assert target.kind is DeadlineKind.FOLLOW_UP
        assert target.offset_days == -14
        assert target.explanation == "2024-07-14: 14 days before the appeal deadline 2024-07-28"

    def test_call_is_a_week_after_the_denial(self) -> None:
        items = by_title(plan_deadlines(facts(denial="2024-01-30"), R.DUPLICATE_CLAIM))
        assert (
            items[CALL_PAYER].explanation
            == "2024-02-06: 7 days after the date of denial 2024-01-30"
        )

    def test_support_is_asked_for_a_month_before_the_deadline_on_clinical_routes(self) -> None:
        items = by_title(plan_deadlines(facts(deadline="2024-07-28"), R.PRIOR_AUTH_NEEDED))
        assert items[GATHER_SUPPORT].explanation == (
            "2024-06-28: 30 days before the appeal deadline 2024-07-28"
        )

    def test_fix_routes_get_no_appeal_target(self) -> None:
        for route in (R.CLAIM_CORRECTION_RESUBMIT, R.DUPLICATE_CLAIM, R.RECORDS_REQUESTED):
            titles = {i.title for i in plan_deadlines(facts(deadline="2024-07-28"), route)}
            assert titles == {APPEAL_DEADLINE}

    def test_a_follow_up_after_its_deadline_or_before_the_letter_is_dropped(self) -> None:
        # Three days to appeal: the call would come after the deadline, the target before the
        # letter was even written.
        items = plan_deadlines(facts(denial="2024-07-25", deadline="2024-07-28"), R.OUT_OF_NETWORK)
        assert [i.title for i in items] == [APPEAL_DEADLINE]

    def test_items_come_in_date_order(self) -> None:
        items = plan_deadlines(
            facts(denial="2024-01-30", deadline="2024-07-28"), R.MEDICAL_NECESSITY_APPEAL
        )
        assert [i.date for i in items] == sorted(i.date for i in items)
        assert [i.title for i in items] == [
            CALL_PAYER,
            GATHER_SUPPORT,
            SUBMIT_APPEAL,
            APPEAL_DEADLINE,
        ]


class TestToday:
    def test_without_today_nothing_is_judged(self) -> None:
        items = plan_deadlines(facts(denial="2024-01-30", deadline="2024-07-28"), R.TIMELY_FILING)
        assert all(i.passed is None for i in items)

    def test_dates_before_today_are_marked_passed(self) -> None:
        items = by_title(
            plan_deadlines(
                facts(denial="2024-01-30", deadline="2024-07-28"),
                R.TIMELY_FILING,
                today=date(2024, 7, 20),
            )
        )
        assert items[CALL_PAYER].passed is True
        assert items[SUBMIT_APPEAL].passed is True
        assert items[APPEAL_DEADLINE].passed is False


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(denial=st.none() | days, deadline=st.none() | days, route=st.sampled_from(list(RouteName)))
def test_every_item_is_its_base_fact_plus_its_offset_within_bounds(
    denial: date | None, deadline: date | None, route: RouteName
) -> None:
    f = facts(denial.isoformat() if denial else None, deadline.isoformat() if deadline else None)
    stated = {"dates.date_of_denial": denial, "dates.appeal_deadline": deadline}
    for item in plan_deadlines(f, route):
        base = stated[item.derived_from]
        assert base is not None
        assert item.base_date == base.isoformat()
        assert item.date == (base + timedelta(days=item.offset_days)).isoformat()
        if item.kind is DeadlineKind.FOLLOW_UP:
            assert deadline is None or item.date <= deadline.isoformat()
            assert denial is None or item.date >= denial.isoformat()
