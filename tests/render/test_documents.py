"""The document pack's templates: every route and every document render, grounded and complete.

"Grounded" is checked the strict way: rendered from empty facts, no template may print a digit
run, date, amount or phone number at all, because any such value would have been invented.
"""

from __future__ import annotations

import re
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
    Service,
)
from denialops.domain.grounding.lexer import scan
from denialops.domain.plan import (
    DISCLAIMER,
    ActionPlan,
    DeadlineKind,
    MissingItem,
    PlanDeadline,
)
from denialops.render.documents import (
    CALL_SCRIPT,
    DOCUMENT_NAMES,
    UnknownDocument,
    codes_of,
    documents_for,
    join_codes,
    money,
    render_document,
)

ROUTES = list(RouteName)
NAMES = sorted(DOCUMENT_NAMES)


def full_facts() -> CaseFacts:
    return CaseFacts(
        denial_reason="The requested service is not medically necessary\nunder our criteria.",
        payer=Payer(
            name="Acme Health Plan",
            plan_name="Acme Gold PPO",
            plan_type="PPO",
            member_id="XJH123456789",
            group_number="GRP-778812",
            claim_number="CLM-2024-000123",
        ),
        dates=Dates(
            date_of_denial="2024-06-01",
            date_of_service="2024-05-10",
            appeal_deadline="2024-11-28",
            appeal_window_days=180,
        ),
        amounts=Amounts(
            billed_amount=Decimal("1234.5"),
            allowed_amount=Decimal("800"),
            paid_amount=Decimal("0"),
            patient_responsibility=Decimal("1234.50"),
        ),
        contact_info=ContactInfo(
            phone="(800) 555-0199",
            fax="800-555-0100",
            address="PO Box 4455\nSpringfield, IL 62704",
            email="appeals@acme.example",
            website="https://acme.example/appeals",
        ),
        service=Service(
            description="MRI of the lumbar spine",
            cpt_codes=["72148"],
            hcpcs_codes=["G0431"],
            diagnosis_codes=["M54.50"],
            provider_name="José Nuñez, MD",
            provider_npi="1234567893",
        ),
        denial_codes=[
            DenialCode(
                code="CO-50",
                code_type=CodeType.CARC,
                group="CO",
                description="These are non-covered services because this is not deemed a "
                "medical necessity by the payer.",
            ),
            DenialCode(
                code="N115", code_type=CodeType.RARC, description="Decision based on an LCD."
            ),
        ],
    )


def sparse_facts() -> CaseFacts:
    """Mostly missing: a payer name and one code, nothing else."""
    return CaseFacts(
        payer=Payer(name="Acme Health Plan"),
        denial_codes=[DenialCode(code="197", code_type=CodeType.CARC)],
    )


def decision_for(route: RouteName, *, review: bool = False) -> RouteDecision:
    return RouteDecision(
        route=route, confidence=0.4 if review else 0.9, reasoning=[], needs_human_review=review
    )


def plan_for(route: RouteName, facts: CaseFacts) -> ActionPlan:
    """A plan whose deadlines derive only from `facts` (none when the letter gave no date)."""
    deadlines = []
    if facts.dates.appeal_deadline:
        deadline = facts.dates.appeal_deadline
        deadlines = [
            PlanDeadline(
                date="2024-11-14",
                title="Send the appeal",
                kind=DeadlineKind.FOLLOW_UP,
                derived_from="dates.appeal_deadline",
                base_date=deadline,
                offset_days=-14,
            ),
            PlanDeadline(
                date=deadline,
                title="Appeal deadline",
                kind=DeadlineKind.DEADLINE,
                derived_from="dates.appeal_deadline",
                base_date=deadline,
                offset_days=0,
            ),
        ]
    missing = []
    if not facts.payer.claim_number:
        prompt = "Unknown — please provide the claim number (on the EOB or the letter)"
        missing = [MissingItem(field="payer.claim_number", prompt=prompt)]
    return ActionPlan(
        route=route,
        mode=Mode.FAST,
        situation="",
        recommendation="",
        deadlines=deadlines,
        missing=missing,
        documents=NAMES,
    )


def render(name: str, route: RouteName, facts: CaseFacts) -> str:
    return render_document(name, facts, decision_for(route), plan_for(route, facts))


VARIANTS = {"full": full_facts, "sparse": sparse_facts, "empty": CaseFacts}


class TestEveryDocument:
    @pytest.mark.parametrize("variant", list(VARIANTS))
    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("route", ROUTES)
    def test_renders_complete_and_clean(self, route: RouteName, name: str, variant: str) -> None:
        text = render(name, route, VARIANTS[variant]())

        assert text.startswith("# ")
        assert text.endswith(f"\n{DISCLAIMER}\n")
        assumptions = text.split("\n## Assumptions\n", 1)[1]
        assert assumptions.lstrip().startswith("- ")
        for bad in ("None", "null", "{{", "}}", "{%", "[[", "\n\n\n"):
            assert bad not in text
        for line in text.splitlines():
            assert not re.search(r":[ \t]+$|:\*\*[ \t]*$", line), line  # a label left empty
            assert not line.rstrip().endswith("please provide"), line
        placeholders = [t.text for t in scan(text) if t.form in ("label", "word", "template")]
        assert placeholders == []

    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("route", ROUTES)
    def test_empty_facts_print_no_value_at_all(self, route: RouteName, name: str) -> None:
        text = render(name, route, CaseFacts())

        assert not re.search(r"\d{3,}", text)
        assert not re.search(r"\d+\s*(days?|hours?|weeks?|months?)\b", text, re.IGNORECASE)
        assert not re.search(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", text)  # dates
        assert not re.search(r"\$|\bUSD\b|\d+\.\d\d\b", text)  # amounts
        assert not re.search(r"\(\d{3}\)|\d{3}[-. ]\d{4}", text)  # phone numbers
        assert not re.search(r"\b(CO|PR|OA|PI|CR)[- ]?\d", text)  # CARCs
        assert [t.text for t in scan(text)] == []  # nor anything the validator reads as a value

    @pytest.mark.parametrize("name", NAMES)
    @pytest.mark.parametrize("route", ROUTES)
    def test_full_facts_identify_the_claim(self, route: RouteName, name: str) -> None:
        text = render(name, route, full_facts())

        for value in ("CLM-2024-000123", "XJH123456789", "2024-05-10", "José Nuñez, MD"):
            assert value in text
        assert "Unknown — please provide" not in text

    @pytest.mark.parametrize("route", ROUTES)
    def test_low_confidence_is_an_assumption(self, route: RouteName) -> None:
        facts = sparse_facts()
        plan = plan_for(route, facts)
        text = render_document("call_script.md", facts, decision_for(route, review=True), plan)

        assert "low confidence" in text.split("## Assumptions", 1)[1]


class TestAppealLetter:
    def test_addresses_the_payer_and_quotes_the_facts(self) -> None:
        text = render("appeal_letter.md", RouteName.MEDICAL_NECESSITY_APPEAL, full_facts())

        assert "Acme Health Plan\\\nAttn: Appeals Department\\\nPO Box 4455\\\n" in text
        re_line = next(line for line in text.splitlines() if line.startswith("**RE:**"))
        for value in ("XJH123456789", "CLM-2024-000123", "2024-05-10"):
            assert value in re_line
        assert "> The requested service is not medically necessary under our criteria." in text
        assert "- CO-50 (CARC): These are non-covered services" in text
        assert "- N115 (RARC): Decision based on an LCD." in text
        assert "deadline of 2024-11-28" in text
        assert "letter of medical necessity" in text.split("## Enclosures", 1)[1]
        assert "A copy of the denial letter dated 2024-06-01" in text

    def test_without_facts_it_omits_rather_than_invents(self) -> None:
        text = render("appeal_letter.md", RouteName.MEDICAL_NECESSITY_APPEAL, CaseFacts())

        assert text.split("\n\n")[1] == "Appeals Department"
        assert "**RE:** Request for an internal appeal\n" in text
        for absent in ("Member ID", "Claim number", "deadline of", "dated"):
            assert absent not in text
        assert "does not state a specific reason" in text
        assert "within the time your plan allows" in text

    @pytest.mark.parametrize("route", ROUTES)
    def test_argues_per_route(self, route: RouteName) -> None:
        body = render("appeal_letter.md", route, sparse_facts())
        section = body.split("## Why the denial should be reversed", 1)[1].split("## ", 1)[0]

        assert len(section.strip()) > 80

    def test_experimental_reason_gets_its_own_argument(self) -> None:
        facts = full_facts().model_copy(
            update={"denial_reason": "The treatment is experimental or investigational."}
        )
        text = render("appeal_letter.md", RouteName.MEDICAL_NECESSITY_APPEAL, facts)
        letter = render(
            "medical_necessity_letter_template.md", RouteName.MEDICAL_NECESSITY_APPEAL, facts
        )

        assert "not experimental or investigational" in text
        assert "[clinician: explain why this service is an accepted treatment" in letter

    def test_billed_codes_are_not_called_denial_codes(self) -> None:
        facts = CaseFacts(
            denial_codes=[
                DenialCode(code="73721", code_type=CodeType.CPT),
                DenialCode(code="CO-197", code_type=CodeType.CARC, description="No auth."),
                DenialCode(code="M23.205", code_type=CodeType.ICD10CM, description="Knee."),
            ]
        )
        text = render("appeal_letter.md", RouteName.PRIOR_AUTH_NEEDED, facts)

        assert "- **CPT codes:** 73721\n" in text
        assert "- **Diagnosis codes (ICD-10-CM):** M23.205\n" in text
        codes = text.split("The denial codes on the claim are:", 1)[1].split("##", 1)[0]
        assert codes.strip() == "- CO-197 (CARC): No auth."


class TestChecklistsAndScript:
    def test_checklists_format_amounts_and_ask_for_missing_ids(self) -> None:
        full = render("resubmit_checklist.md", RouteName.CLAIM_CORRECTION_RESUBMIT, full_facts())
        sparse = render(
            "resubmit_checklist.md", RouteName.CLAIM_CORRECTION_RESUBMIT, sparse_facts()
        )

        assert "- **Billed amount:** $1,234.50" in full
        assert "- **Allowed amount:** $800.00" in full
        assert "- **Paid amount:** $0.00" in full
        assert "**Claim number:** Unknown — please provide the claim number" in sparse
        assert "## Missing information" in sparse

    def test_key_dates_come_from_the_plan(self) -> None:
        text = render("pa_checklist.md", RouteName.PRIOR_AUTH_NEEDED, full_facts())

        assert (
            "- **2024-11-14** — Send the appeal (14 days before the appeal deadline 2024-11-28)\n"
            in text
        )
        assert "- **2024-11-28** — Appeal deadline\n" in text

    def test_call_script_has_blanks_and_the_number_as_stored(self) -> None:
        text = render(CALL_SCRIPT, RouteName.RECORDS_REQUESTED, full_facts())

        assert "- **Number to call:** (800) 555-0199" in text
        for blank in ("Call reference number", "Representative's name", "Date and time of call"):
            assert f"- {blank}: ________" in text
        assert "Which records, for which dates of service, do you need?" in text

    def test_call_script_asks_for_an_unknown_number(self) -> None:
        text = render(CALL_SCRIPT, RouteName.TIMELY_FILING, CaseFacts())

        assert "**Number to call:** Unknown — please provide the payer's phone number" in text
        assert "What filing limit did you apply to this claim?" in text

    def test_clinician_template_has_marked_blanks(self) -> None:
        text = render(
            "medical_necessity_letter_template.md", RouteName.MEDICAL_NECESSITY_APPEAL, CaseFacts()
        )

        assert "[clinician: describe the patient's history" in text
        assert "[clinician: name, credentials and NPI]" in text


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (Decimal("1234.5"), "$1,234.50"),
            (Decimal("0"), "$0.00"),
            (Decimal("1000000"), "$1,000,000.00"),
            (Decimal("-12"), "-$12.00"),
        ],
    )
    def test_money(self, value: Decimal, text: str) -> None:
        assert money(value) == text

    def test_codes_of_sorts_reasons_from_billed_codes_each_once(self) -> None:
        facts = CaseFacts(
            service=Service(cpt_codes=["73721"], diagnosis_codes=["M23.205"]),
            denial_codes=[
                DenialCode(code="73721", code_type=CodeType.CPT),
                DenialCode(code="CO-197", code_type=CodeType.CARC),
                DenialCode(code="G0431", code_type=CodeType.HCPCS),
                DenialCode(code="M23.205", code_type=CodeType.ICD10CM),
                DenialCode(code="N30", code_type=CodeType.RARC),
            ],
        )
        codes = codes_of(facts)

        assert [c.code for c in codes.reasons] == ["CO-197", "N30"]
        assert codes.procedures == ["73721", "G0431"]
        assert codes.diagnoses == ["M23.205"]

    def test_join_codes_takes_strings_and_denial_codes(self) -> None:
        codes: list[str | DenialCode] = [DenialCode(code="CO-197", code_type=CodeType.CARC), "N30"]
        assert join_codes(codes) == "CO-197, N30"

    def test_documents_for_keeps_order_drops_repeats_adds_the_call_script(self) -> None:
        plan = plan_for(RouteName.PRIOR_AUTH_NEEDED, CaseFacts()).model_copy(
            update={"documents": ["pa_checklist.md", "appeal_letter.md", "pa_checklist.md"]}
        )
        assert documents_for(plan) == ["pa_checklist.md", "appeal_letter.md", CALL_SCRIPT]

    def test_an_unknown_document_is_refused(self) -> None:
        plan = plan_for(RouteName.PRIOR_AUTH_NEEDED, CaseFacts())
        with pytest.raises(UnknownDocument):
            documents_for(plan.model_copy(update={"documents": ["../etc/passwd"]}))
        with pytest.raises(UnknownDocument):
            render_document("nope.md", CaseFacts(), decision_for(plan.route), plan)
