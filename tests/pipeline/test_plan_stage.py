"""The `plan` stage: `action_plan.json` and `action_plan.md`, grounded in the facts."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

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
    Service,
)
from denialops.domain.grounding import GroundTruth, check_text
from denialops.domain.plan import DISCLAIMER, NOT_VERIFIED, ActionPlan
from denialops.pipeline.context import CaseContext, InputDocument, StageNotReady
from denialops.pipeline.plan import Plan

R = RouteName
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# "Claim number:" or "- Member ID:" with nothing after it.
EMPTY_LABEL = re.compile(r"^\s*(?:[-*]|\d+\.)?\s*[A-Za-z][A-Za-z /]*:\s*$", re.MULTILINE)


def full_facts() -> CaseFacts:
    return CaseFacts(
        denial_reason="Prior authorization was not obtained.",
        payer=Payer(name="Acme Health", member_id="XJ12345", claim_number="CLM-2024-0001"),
        dates=Dates(
            date_of_denial="2024-01-30", date_of_service="2024-01-10", appeal_deadline="2024-07-28"
        ),
        amounts=Amounts(
            billed_amount=Decimal("1234.56"), patient_responsibility=Decimal("1234.56")
        ),
        contact_info=ContactInfo(phone="1-800-555-0100"),
        service=Service(description="MRI of the lumbar spine", cpt_codes=["72148"]),
        denial_codes=[DenialCode(code="CO-197", code_type=CodeType.CARC)],
    )


def context(
    facts: CaseFacts | None = None,
    route: RouteName | None = R.PRIOR_AUTH_NEEDED,
    *,
    verified: bool = False,
    appealable: bool = True,
) -> CaseContext:
    letter = InputDocument(b"letter", "text/plain")
    return CaseContext(
        letter=letter,
        plan_document=InputDocument(b"sbc", "application/pdf") if verified else None,
        facts=facts,
        decision=(
            RouteDecision(route=route, confidence=0.8, reasoning=["test"], appealable=appealable)
            if route
            else None
        ),
    )


def markdown(ctx: CaseContext) -> str:
    return ctx.artifacts["action_plan.md"].data.decode("utf-8")


class TestWiring:
    def test_needs_facts_and_a_route(self) -> None:
        with pytest.raises(StageNotReady):
            Plan()(context(facts=None))
        with pytest.raises(StageNotReady):
            Plan()(context(full_facts(), route=None))

    def test_stores_the_plan_and_writes_both_artifacts(self) -> None:
        ctx = Plan()(context(full_facts()))
        assert ctx.plan is not None
        raw = ctx.artifacts["action_plan.json"]
        assert raw.content_type == "application/json"
        assert ActionPlan.model_validate_json(raw.data) == ctx.plan
        assert ctx.artifacts["action_plan.md"].content_type.startswith("text/markdown")

    def test_a_case_with_a_plan_document_is_verified(self) -> None:
        ctx = Plan()(context(full_facts(), verified=True))
        assert ctx.plan is not None
        assert ctx.plan.mode == "verified"
        assert NOT_VERIFIED not in markdown(ctx)

    def test_a_letter_alone_is_labelled_not_verified(self) -> None:
        ctx = Plan()(context(full_facts()))
        assert ctx.plan is not None
        assert ctx.plan.mode == "fast"
        assert NOT_VERIFIED in markdown(ctx)


@pytest.mark.parametrize("route", list(RouteName))
@pytest.mark.parametrize("facts", [full_facts(), CaseFacts()], ids=["full", "empty"])
def test_every_route_renders_clean_markdown(route: RouteName, facts: CaseFacts) -> None:
    text = markdown(Plan()(context(facts, route)))
    assert text.startswith("# Action plan: ")
    assert text.rstrip().endswith(DISCLAIMER)
    assert "## Steps" in text
    assert "1. **" in text
    assert "call_script.md" in text
    for bad in ("None", "null", "{{", "}}", "{%", "\n\n\n"):
        assert bad not in text
    assert EMPTY_LABEL.findall(text) == []


@pytest.mark.parametrize("route", list(RouteName))
@pytest.mark.parametrize("appealable", [True, False])
def test_the_markdown_passes_the_grounding_check(route: RouteName, appealable: bool) -> None:
    ctx = Plan(today=date(2024, 7, 20))(context(full_facts(), route, appealable=appealable))
    assert ctx.facts is not None
    truth = GroundTruth.from_facts(ctx.facts, ctx.plan, None, ())
    report = check_text("action_plan.md", markdown(ctx), truth)
    assert report.ok, report.violations


def test_almost_nothing_known_asks_for_what_is_missing() -> None:
    text = markdown(Plan()(context(CaseFacts(), R.MEDICAL_NECESSITY_APPEAL)))
    assert text.count("Unknown — please provide") >= 9
    assert "Your plan denied the claim." in text
    assert "No date could be computed from the letter" in text


def test_deadlines_show_their_derivation() -> None:
    text = markdown(Plan()(context(full_facts(), R.PRIOR_AUTH_NEEDED)))
    assert "2024-07-14: 14 days before the appeal deadline 2024-07-28" in text
    assert "2024-02-06: 7 days after the date of denial 2024-01-30" in text
    assert "- By: 2024-07-14" in text


def test_every_date_in_the_markdown_is_a_fact_or_a_computed_deadline() -> None:
    ctx = Plan(today=date(2024, 7, 20))(context(full_facts(), R.PRIOR_AUTH_NEEDED))
    assert ctx.plan is not None
    known = {"2024-01-30", "2024-01-10", "2024-07-28"} | {d.date for d in ctx.plan.deadlines}
    assert set(ISO_DATE.findall(markdown(ctx))) <= known


def test_amounts_are_written_as_in_the_facts() -> None:
    text = markdown(Plan()(context(full_facts())))
    assert "$1,234.56" in text
    assert "1234.56" not in text


def test_passed_dates_are_marked_when_today_is_given() -> None:
    text = markdown(Plan(today=date(2024, 8, 1))(context(full_facts(), R.OUT_OF_NETWORK)))
    assert "already passed" in text
    assert "already passed" not in markdown(Plan()(context(full_facts(), R.OUT_OF_NETWORK)))


def test_nothing_to_appeal_drops_the_appeal_letter() -> None:
    facts = full_facts()
    facts.denial_codes = [DenialCode(code="MA130", code_type=CodeType.RARC)]
    ctx = Plan()(context(facts, R.PRIOR_AUTH_NEEDED, appealable=False))
    text = markdown(ctx)
    assert "appeal_letter.md" not in text
    assert "There is nothing to appeal" in text
    assert ctx.plan is not None
    assert "appeal_letter.md" not in ctx.plan.documents
