"""The action plan: every route gets a usable plan, built only from the facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from denialops.domain.cases import Mode
from denialops.domain.facts import (
    Amounts,
    CaseFacts,
    CodeType,
    ContactInfo,
    Dates,
    DenialCode,
    Payer,
    RouteDecision,
    RouteName,
    RouteScore,
    Service,
)
from denialops.domain.plan import DISCLAIMER, NOT_VERIFIED, ActionPlan, Party
from denialops.domain.planning import build_plan

R = RouteName

DOCUMENTS: dict[RouteName, list[str]] = {
    R.PRIOR_AUTH_NEEDED: ["call_script.md", "pa_checklist.md", "appeal_letter.md"],
    R.CLAIM_CORRECTION_RESUBMIT: ["call_script.md", "resubmit_checklist.md"],
    R.MEDICAL_NECESSITY_APPEAL: [
        "call_script.md",
        "appeal_letter.md",
        "medical_necessity_letter_template.md",
    ],
    R.COVERAGE_EXCLUSION: ["call_script.md", "appeal_letter.md", "coverage_review_checklist.md"],
    R.OUT_OF_NETWORK: ["call_script.md", "appeal_letter.md", "network_exception_request.md"],
    R.TIMELY_FILING: ["call_script.md", "timely_filing_proof_request.md", "appeal_letter.md"],
    R.ELIGIBILITY_ISSUE: ["call_script.md", "eligibility_update_letter.md"],
    R.COORDINATION_OF_BENEFITS: ["call_script.md", "cob_update_letter.md"],
    R.DUPLICATE_CLAIM: ["call_script.md", "duplicate_claim_checklist.md"],
    R.RECORDS_REQUESTED: ["call_script.md", "records_cover_letter.md"],
}


def full_facts() -> CaseFacts:
    return CaseFacts(
        denial_reason="The service was not medically necessary.",
        payer=Payer(name="Acme Health", member_id="XJ12345", claim_number="CLM-2024-0001"),
        dates=Dates(
            date_of_denial="2024-01-30",
            date_of_service="2024-01-10",
            appeal_deadline="2024-07-28",
            appeal_window_days=180,
        ),
        amounts=Amounts(billed_amount=Decimal("1234.56"), paid_amount=Decimal("0.00")),
        contact_info=ContactInfo(phone="1-800-555-0100", address="PO Box 1, Town, ST 00000"),
        service=Service(
            description="MRI of the lumbar spine",
            cpt_codes=["72148"],
            diagnosis_codes=["M54.5"],
            provider_name="Dr. Jane Roe",
            provider_npi="1234567893",
        ),
        denial_codes=[DenialCode(code="CO-50", code_type=CodeType.CARC)],
    )


def decision(route: RouteName, **kwargs: object) -> RouteDecision:
    return RouteDecision.model_validate(
        {"route": route, "confidence": 0.8, "reasoning": ["test"], **kwargs}
    )


def texts(plan: ActionPlan) -> list[str]:
    """Every human-readable string the plan holds."""
    return [
        plan.situation,
        plan.recommendation,
        *plan.notes,
        *(s.title for s in plan.steps),
        *(s.detail for s in plan.steps),
        *plan.gather,
        *(m.prompt for m in plan.missing),
        *plan.other_options,
    ]


@pytest.mark.parametrize("route", list(RouteName))
class TestEveryRoute:
    def test_has_ordered_steps_documents_and_the_disclaimer(self, route: RouteName) -> None:
        plan = build_plan(full_facts(), decision(route), Mode.FAST)
        assert 3 <= len(plan.steps) <= 8
        assert [s.order for s in plan.steps] == list(range(1, len(plan.steps) + 1))
        assert plan.documents == DOCUMENTS[route]
        assert plan.disclaimer == DISCLAIMER
        assert plan.situation
        assert plan.recommendation
        assert plan.gather
        assert plan.other_options

    def test_almost_nothing_known_still_gives_a_useful_plan(self, route: RouteName) -> None:
        plan = build_plan(CaseFacts(), decision(route), Mode.FAST)
        assert len(plan.steps) >= 3
        assert plan.deadlines == []
        assert all(s.due is None for s in plan.steps)
        assert len(plan.missing) >= 9
        assert all(m.prompt.startswith("Unknown — please provide ") for m in plan.missing)
        for text in texts(plan):
            assert text.strip()
            assert "None" not in text
            assert "null" not in text
            assert "{" not in text

    def test_steps_are_due_only_on_computed_dates(self, route: RouteName) -> None:
        plan = build_plan(full_facts(), decision(route), Mode.FAST)
        dates = {d.date for d in plan.deadlines}
        assert all(s.due in dates for s in plan.steps if s.due is not None)

    def test_a_state_regulator_complaint_is_always_an_option(self, route: RouteName) -> None:
        plan = build_plan(full_facts(), decision(route), Mode.FAST)
        assert any("department of insurance" in o for o in plan.other_options)


class TestSituation:
    def test_states_the_facts_as_written(self) -> None:
        plan = build_plan(full_facts(), decision(R.MEDICAL_NECESSITY_APPEAL), Mode.FAST)
        for value in (
            "Acme Health",
            "MRI of the lumbar spine",
            "2024-01-10",
            "CLM-2024-0001",
            "CO-50",
            "$1,234.56",
            "$0.00",
        ):
            assert value in plan.situation
        assert "not medically necessary" in plan.situation

    def test_a_missing_payer_is_your_plan(self) -> None:
        plan = build_plan(CaseFacts(), decision(R.OUT_OF_NETWORK), Mode.FAST)
        assert plan.situation.startswith("Your plan denied the claim.")
        assert "your plan" in plan.recommendation

    def test_a_blank_fact_is_treated_as_missing(self) -> None:
        facts = CaseFacts(payer=Payer(name="  "), service=Service(description=""))
        plan = build_plan(facts, decision(R.COVERAGE_EXCLUSION), Mode.FAST)
        assert plan.situation.startswith("Your plan denied the claim.")
        assert "payer.name" in {m.field for m in plan.missing}


class TestDeadlinesInThePlan:
    def test_the_appeal_step_is_due_on_the_submission_target(self) -> None:
        plan = build_plan(full_facts(), decision(R.MEDICAL_NECESSITY_APPEAL), Mode.FAST)
        send = next(s for s in plan.steps if s.title == "Send the appeal")
        assert send.due == "2024-07-14"
        assert send.responsible is Party.PATIENT
        explanations = [d.explanation for d in plan.deadlines]
        assert "2024-07-14: 14 days before the appeal deadline 2024-07-28" in explanations

    def test_no_deadline_fact_lists_it_as_missing(self) -> None:
        facts = full_facts()
        facts.dates.appeal_deadline = None
        facts.dates.appeal_window_days = None
        plan = build_plan(facts, decision(R.PRIOR_AUTH_NEEDED), Mode.FAST)
        assert all(d.derived_from != "dates.appeal_deadline" for d in plan.deadlines)
        missing = {m.field: m.prompt for m in plan.missing}
        assert missing["dates.appeal_deadline"].startswith("Unknown — please provide the appeal")

    def test_a_window_without_a_start_date_is_explained(self) -> None:
        facts = full_facts()
        facts.dates.appeal_deadline = None
        plan = build_plan(facts, decision(R.TIMELY_FILING), Mode.FAST)
        prompt = next(m.prompt for m in plan.missing if m.field == "dates.appeal_deadline")
        assert "180 days" in prompt

    def test_a_passed_deadline_is_noted(self) -> None:
        plan = build_plan(
            full_facts(), decision(R.OUT_OF_NETWORK), Mode.FAST, today=date(2024, 8, 1)
        )
        assert any("appeal deadline 2024-07-28 has already passed" in n for n in plan.notes)

    def test_without_today_no_deadline_is_judged(self) -> None:
        plan = build_plan(full_facts(), decision(R.OUT_OF_NETWORK), Mode.FAST)
        assert not any("passed" in n for n in plan.notes)


class TestNotAppealable:
    def test_an_unprocessable_claim_is_fixed_and_resubmitted(self) -> None:
        facts = full_facts()
        facts.denial_codes.append(DenialCode(code="MA130", code_type=CodeType.RARC))
        plan = build_plan(facts, decision(R.PRIOR_AUTH_NEEDED, appealable=False), Mode.FAST)
        assert not plan.appealable
        assert plan.recommendation.startswith("There is nothing to appeal")
        assert "appeal_letter.md" not in plan.documents
        assert plan.documents == ["call_script.md", "pa_checklist.md"]
        assert any("new claim" in s.title for s in plan.steps)
        assert "dates.appeal_deadline" not in {m.field for m in plan.missing}
        assert all(d.derived_from != "dates.appeal_deadline" for d in plan.deadlines)

    def test_cost_sharing_is_checked_against_the_eob(self) -> None:
        facts = CaseFacts(
            denial_codes=[DenialCode(code="PR-1", code_type=CodeType.CARC)],
            amounts=Amounts(patient_responsibility=Decimal("250.00")),
        )
        plan = build_plan(facts, decision(R.CLAIM_CORRECTION_RESUBMIT, appealable=False), Mode.FAST)
        assert "your share of the cost" in plan.recommendation
        assert "EOB" in plan.recommendation
        assert "$250.00" in plan.situation
        assert "denied" not in plan.situation
        assert all(s.responsible is Party.PATIENT for s in plan.steps)


class TestModesAndReview:
    def test_fast_mode_carries_the_not_verified_label(self) -> None:
        plan = build_plan(full_facts(), decision(R.COVERAGE_EXCLUSION), Mode.FAST)
        assert plan.coverage_note == NOT_VERIFIED

    def test_verified_mode_has_no_label(self) -> None:
        plan = build_plan(full_facts(), decision(R.COVERAGE_EXCLUSION), Mode.VERIFIED)
        assert plan.coverage_note is None
        assert plan.mode is Mode.VERIFIED

    def test_low_confidence_asks_a_person_to_check_the_route(self) -> None:
        runner_up = RouteScore(route=R.OUT_OF_NETWORK, score=1.0, confidence=0.3)
        plan = build_plan(
            full_facts(),
            decision(
                R.COVERAGE_EXCLUSION,
                needs_human_review=True,
                confidence=0.4,
                alternatives=[runner_up],
            ),
            Mode.FAST,
        )
        assert plan.needs_human_review
        assert any("person should check this route" in n for n in plan.notes)
        assert any("out of network" in n for n in plan.notes)

    def test_a_confident_route_has_no_review_note(self) -> None:
        plan = build_plan(full_facts(), decision(R.COVERAGE_EXCLUSION), Mode.FAST)
        assert not plan.needs_human_review
        assert plan.notes == []


@pytest.mark.parametrize(
    ("route", "option"),
    [
        (R.MEDICAL_NECESSITY_APPEAL, "Peer-to-peer review"),
        (R.MEDICAL_NECESSITY_APPEAL, "External review"),
        (R.COVERAGE_EXCLUSION, "External review"),
        (R.PRIOR_AUTH_NEEDED, "Retro-authorization"),
        (R.CLAIM_CORRECTION_RESUBMIT, "Corrected claim"),
        (R.OUT_OF_NETWORK, "Network exception"),
        (R.OUT_OF_NETWORK, "No Surprises Act"),
    ],
)
def test_route_specific_options(route: RouteName, option: str) -> None:
    plan = build_plan(full_facts(), decision(route), Mode.FAST)
    assert any(o.startswith(option) for o in plan.other_options)


def test_known_facts_are_not_listed_as_missing() -> None:
    plan = build_plan(full_facts(), decision(R.MEDICAL_NECESSITY_APPEAL), Mode.FAST)
    assert plan.missing == []
