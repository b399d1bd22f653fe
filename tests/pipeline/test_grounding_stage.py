"""The `grounding` stage: an ungrounded document is withheld, a grounded one is published."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from denialops.domain.cases import Mode
from denialops.domain.facts import Amounts, CaseFacts, ContactInfo, Dates, Payer, RouteName
from denialops.domain.plan import ActionPlan, DeadlineKind, PlanDeadline
from denialops.pipeline.context import CaseContext, InputDocument, StageNotReady
from denialops.pipeline.grounding import REPORT, Grounding, is_checked

FACTS = CaseFacts(
    payer=Payer(name="Cascade Health Plan", claim_number="25061-00873"),
    dates=Dates(date_of_denial="2025-03-04", appeal_deadline="2025-08-31"),
    amounts=Amounts(billed_amount=Decimal("1840")),
    contact_info=ContactInfo(phone="1-800-555-0142"),
)
GOOD = "# Appeal\n\nClaim 25061-00873, billed $1,840.00. Call (800) 555-0142 by August 31, 2025.\n"
BAD = "# Checklist\n\n- Claim Number:\n- Send by 2025-07-04 to 1-888-555-0170.\n"
TODAY = date(2025, 3, 10)


def context(**artifacts: str) -> CaseContext:
    ctx = CaseContext(letter=InputDocument(b"letter", "text/plain"), facts=FACTS)
    ctx.add_artifact("extracted_text.txt", "text/plain", "Fax 1-888-555-0170 on 2025-07-04.")
    ctx.add_artifact("case_facts.json", "application/json", FACTS.model_dump_json())
    for name, text in artifacts.items():
        ctx.add_artifact(name.replace("__", "."), "text/markdown", text)
    return ctx


def reports(ctx: CaseContext) -> dict[str, dict[str, object]]:
    payload = json.loads(ctx.artifacts[REPORT].data)
    return {report["document"]: report for report in payload}


class TestGroundingStage:
    def test_bad_document_is_withheld_and_good_one_kept(self) -> None:
        ctx = Grounding(today=TODAY)(
            context(
                appeal_letter__md=GOOD,
                pa_checklist__md=BAD,
                pa_checklist__pdf="%PDF rendering",
                pa_checklist__docx="docx rendering",
            )
        )
        assert "appeal_letter.md" in ctx.artifacts
        assert not {"pa_checklist.md", "pa_checklist.pdf", "pa_checklist.docx"} & set(ctx.artifacts)
        assert ctx.warnings == [
            "grounding: pa_checklist.md was withheld: 3 value(s) not traceable to the case's "
            "documents (date, phone, placeholder); see grounding_report.json"
        ]

    def test_report_lists_every_checked_document(self) -> None:
        ctx = Grounding(today=TODAY)(context(appeal_letter__md=GOOD, pa_checklist__md=BAD))
        found = reports(ctx)
        assert set(found) == {"appeal_letter.md", "pa_checklist.md"}
        assert found["appeal_letter.md"]["ok"] is True
        assert found["pa_checklist.md"]["ok"] is False
        violations = found["pa_checklist.md"]["violations"]
        assert isinstance(violations, list)
        assert {(v["kind"], v["value"], v["line"]) for v in violations} == {
            ("placeholder", "- Claim Number:", 3),
            ("date", "2025-07-04", 4),
            ("phone", "1-888-555-0170", 4),
        }

    def test_letter_text_and_json_are_not_checked(self) -> None:
        ctx = Grounding(today=TODAY)(context())
        assert {"extracted_text.txt", "case_facts.json", REPORT} <= set(ctx.artifacts)
        assert reports(ctx) == {}
        assert ctx.warnings == []

    def test_todays_date_may_be_printed(self) -> None:
        letter = "March 10, 2025\n\nDear reviewer,"
        assert Grounding(today=TODAY)(context(a__md=letter)).warnings == []
        assert Grounding(today=date(2025, 3, 11))(context(a__md=letter)).warnings != []

    def test_calendar_is_checked(self) -> None:
        ics = "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20250704\r\nSUMMARY:Deadline\r\nEND:VEVENT\r\n"
        ctx = Grounding(today=TODAY)(context(deadlines__ics=ics))
        assert "deadlines.ics" not in ctx.artifacts
        assert reports(ctx)["deadlines.ics"]["ok"] is False

    def test_plan_deadlines_are_grounded(self) -> None:
        plan = ActionPlan(
            route=RouteName.PRIOR_AUTH_NEEDED,
            mode=Mode.FAST,
            situation="Denied.",
            recommendation="Appeal.",
            deadlines=[
                PlanDeadline(
                    date="2025-08-17",
                    title="Target date to send the appeal",
                    kind=DeadlineKind.FOLLOW_UP,
                    derived_from="dates.appeal_deadline",
                    base_date="2025-08-31",
                    offset_days=-14,
                )
            ],
        )
        ctx = context(action_plan__md="Send it by 2025-08-17.")
        ctx.plan = plan
        assert "action_plan.md" in Grounding(today=TODAY)(ctx).artifacts

    def test_plan_rules_ground_their_citations(self) -> None:
        text = 'MRI needs approval [SBC p.4, "Services You May Need"].'
        rules = [{"text": "MRI needs approval", "citation": '[SBC p.4, "Services You May Need"]'}]
        assert "a.md" not in Grounding(today=TODAY)(context(a__md=text)).artifacts
        assert "a.md" in Grounding(rules, today=TODAY)(context(a__md=text)).artifacts

    def test_needs_facts(self) -> None:
        ctx = CaseContext(letter=InputDocument(b"letter", "text/plain"))
        with pytest.raises(StageNotReady):
            Grounding()(ctx)

    @pytest.mark.parametrize(
        ("name", "checked"),
        [
            ("appeal_letter.md", True),
            ("deadlines.ics", True),
            ("notes.TXT", True),
            ("extracted_text.txt", False),
            ("route.json", False),
            ("appeal_letter.pdf", False),
        ],
    )
    def test_which_artifacts_are_checked(self, name: str, checked: bool) -> None:
        assert is_checked(name) is checked
