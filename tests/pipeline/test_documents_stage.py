"""Stage 6, `documents`: the plan's documents and the calendar as artifacts; PDF/DOCX on demand."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest

from denialops.domain.cases import Mode
from denialops.domain.facts import (
    CaseFacts,
    CodeType,
    Dates,
    DenialCode,
    Payer,
    RouteDecision,
    RouteName,
)
from denialops.domain.plan import DISCLAIMER, ActionPlan, DeadlineKind, PlanDeadline
from denialops.domain.planning import build_plan
from denialops.pipeline.context import CaseContext, InputDocument, StageNotReady
from denialops.pipeline.documents import (
    CALENDAR,
    MARKDOWN_TYPE,
    Documents,
    binary_content_type,
    binary_name,
    render_binary,
    source_name,
)
from denialops.render.documents import UnknownDocument


def facts() -> CaseFacts:
    return CaseFacts(
        denial_reason="Prior authorization was not obtained.",
        payer=Payer(name="Acme Health Plan", member_id="XJH123456789", claim_number="CLM-77"),
        dates=Dates(date_of_denial="2024-06-01", appeal_deadline="2024-11-28"),
        denial_codes=[DenialCode(code="CO-197", code_type=CodeType.CARC)],
    )


def decision(route: RouteName = RouteName.PRIOR_AUTH_NEEDED) -> RouteDecision:
    return RouteDecision(route=route, confidence=0.9, reasoning=[])


def plan(documents: list[str]) -> ActionPlan:
    deadline = PlanDeadline(
        date="2024-11-28",
        title="Appeal deadline",
        kind=DeadlineKind.DEADLINE,
        derived_from="dates.appeal_deadline",
        base_date="2024-11-28",
        offset_days=0,
    )
    return ActionPlan(
        route=RouteName.PRIOR_AUTH_NEEDED,
        mode=Mode.FAST,
        situation="",
        recommendation="",
        deadlines=[deadline],
        documents=documents,
    )


def context(with_plan: ActionPlan | None) -> CaseContext:
    return CaseContext(
        letter=InputDocument(b"letter", "text/plain"),
        case_id="case-1",
        facts=facts(),
        decision=decision(),
        plan=with_plan,
    )


class TestDocumentsStage:
    def test_writes_the_plans_documents_the_call_script_and_the_calendar(self) -> None:
        ctx = Documents()(context(plan(["pa_checklist.md", "appeal_letter.md"])))

        assert list(ctx.artifacts) == [
            "pa_checklist.md",
            "appeal_letter.md",
            "call_script.md",
            CALENDAR,
        ]
        for name in ("pa_checklist.md", "appeal_letter.md", "call_script.md"):
            artifact = ctx.artifacts[name]
            assert artifact.content_type == MARKDOWN_TYPE
            text = artifact.data.decode("utf-8")
            assert "CLM-77" in text
            assert text.endswith(f"{DISCLAIMER}\n")
        assert ctx.artifacts[CALENDAR].content_type == "text/calendar"
        assert b"SUMMARY:Appeal deadline" in ctx.artifacts[CALENDAR].data

    def test_no_pdf_or_docx_during_the_run(self) -> None:
        ctx = Documents()(context(plan(["appeal_letter.md"])))
        assert not [n for n in ctx.artifacts if n.endswith((".pdf", ".docx"))]

    def test_a_plan_without_documents_still_gets_a_call_script(self) -> None:
        ctx = Documents()(context(plan([])))
        assert list(ctx.artifacts) == ["call_script.md", CALENDAR]

    def test_rerunning_gives_the_same_artifacts(self) -> None:
        first = Documents()(context(plan(["appeal_letter.md"]))).artifacts
        second = Documents()(context(plan(["appeal_letter.md"]))).artifacts
        assert first == second

    def test_needs_the_plan(self) -> None:
        with pytest.raises(StageNotReady, match="plan"):
            Documents()(context(None))

    def test_needs_the_route(self) -> None:
        ctx = context(plan([]))
        ctx.decision = None
        with pytest.raises(StageNotReady, match="route"):
            Documents()(ctx)

    def test_a_document_without_a_template_fails_the_stage(self) -> None:
        with pytest.raises(UnknownDocument):
            Documents()(context(plan(["made_up.md"])))

    @pytest.mark.parametrize("route", list(RouteName))
    def test_every_document_the_planner_names_renders(self, route: RouteName) -> None:
        chosen = decision(route)
        built = build_plan(facts(), chosen, Mode.FAST, today=date(2024, 6, 10))
        ctx = context(built)
        ctx.decision = chosen

        ctx = Documents()(ctx)

        assert set(built.documents) <= set(ctx.artifacts)


class TestBinaryRenderings:
    def test_names_derive_from_the_markdown_document(self) -> None:
        assert binary_name("appeal_letter.md", "pdf") == "appeal_letter.pdf"
        assert binary_name("appeal_letter.md", "docx") == "appeal_letter.docx"
        assert source_name("appeal_letter.pdf") == ("appeal_letter.md", "pdf")
        assert source_name("call_script.docx") == ("call_script.md", "docx")
        assert source_name("deadlines.ics") is None
        assert source_name(".pdf") is None
        assert binary_content_type("pdf") == "application/pdf"
        with pytest.raises(ValueError, match="Markdown"):
            binary_name("deadlines.ics", "pdf")

    def test_render_binary_pdf_and_docx(self) -> None:
        ctx = Documents()(context(plan(["appeal_letter.md"])))
        markdown = ctx.artifacts["appeal_letter.md"].data.decode("utf-8")

        pdf = render_binary("appeal_letter.md", markdown, "pdf")
        word = render_binary("appeal_letter.md", markdown, "docx")

        assert pdf.startswith(b"%PDF")
        assert pdf == render_binary("appeal_letter.md", markdown, "pdf")
        document = docx.Document(io.BytesIO(word))
        assert document.paragraphs[0].text == "Appeal of a denied claim"
        assert document.core_properties.title == "Appeal letter"

    def test_render_binary_takes_other_markdown_artifacts(self) -> None:
        word = render_binary("action_plan.md", "# Action plan\n\nCall the payer.\n", "docx")
        assert docx.Document(io.BytesIO(word)).core_properties.title == "Action plan"

    def test_render_binary_refuses_other_names_and_formats(self) -> None:
        with pytest.raises(ValueError, match="Markdown"):
            render_binary("deadlines.ics", "x", "pdf")
        with pytest.raises(ValueError, match="format"):
            render_binary("appeal_letter.md", "x", "html")  # type: ignore[arg-type]
