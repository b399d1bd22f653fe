"""The grounding guarantee: a document states no code, date, amount, phone number or citation
that the facts (or plan rules, or the plan's derived deadlines) do not."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from textwrap import dedent
from typing import Any

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from denialops.domain.cases import Mode
from denialops.domain.facts import (
    Amounts,
    CaseFacts,
    CodeType,
    ContactInfo,
    Dates,
    DenialCode,
    Payer,
    RouteName,
    Service,
)
from denialops.domain.grounding import KINDS, GroundingReport, GroundTruth, check_documents, lexer
from denialops.domain.grounding import check_text as check
from denialops.domain.plan import ActionPlan, DeadlineKind, PlanDeadline

FACTS = CaseFacts(
    denial_reason="Prior authorization was not obtained (policy 2024-117, effective "
    "January 1, 2025).",
    payer=Payer(
        name="Cascade Health Plan",
        plan_name="Cascade Select PPO",
        member_id="CHP55810274",
        group_number="GRP-40219",
        claim_number="25061-00873",
    ),
    dates=Dates(
        date_of_denial="2025-03-04",
        date_of_service="2025-02-12",
        appeal_deadline="2025-08-31",
        appeal_window_days=180,
    ),
    amounts=Amounts(billed_amount=Decimal("2500"), paid_amount=Decimal("0")),
    contact_info=ContactInfo(
        phone="1-800-555-0142",
        fax="(800) 555-0199",
        address="P.O. Box 44120, Portland, OR 97208",
        email="appeals@cascadehealth.example",
        website="https://www.cascadehealth.example/appeals",
    ),
    service=Service(
        description="MRI of the left knee without contrast",
        cpt_codes=["73721"],
        hcpcs_codes=["E0601"],
        diagnosis_codes=["M23.205"],
        provider_name="Willamette Imaging Associates",
        provider_npi="1245319599",
    ),
    denial_codes=[
        DenialCode(code="CO-197", code_type=CodeType.CARC, group="CO"),
        DenialCode(code="N30", code_type=CodeType.RARC),
        DenialCode(code="73721", code_type=CodeType.CPT),
        DenialCode(code="M23.205", code_type=CodeType.ICD10CM),
    ],
)
PLAN = ActionPlan(
    route=RouteName.PRIOR_AUTH_NEEDED,
    mode=Mode.FAST,
    situation="The claim was denied for missing prior authorization.",
    recommendation="Appeal with a retro-authorization request.",
    deadlines=[
        PlanDeadline(
            date="2025-08-17",
            title="Target date to send the appeal",
            kind=DeadlineKind.FOLLOW_UP,
            derived_from="dates.appeal_deadline",
            base_date="2025-09-01",  # not a fact: bases count as grounded on their own
            offset_days=-15,
        )
    ],
)
RULES: list[dict[str, Any]] = [
    {
        "text": "Advanced imaging needs prior authorization; a $250 copay applies.",
        "citation": '[SBC p.4, "Services You May Need"]',
        "route_hint": "prior_auth_needed",
    },
    {"text": "Appeals go to the plan.", "citation": "EOC p.12, Appeals"},
]
TRUTH = GroundTruth.from_facts(FACTS)


def found(text: str, truth: GroundTruth = TRUTH, name: str = "doc.md") -> set[tuple[str, str]]:
    """The (kind, value) of every violation in `text`."""
    return {(v.kind, v.value) for v in check(name, text, truth).violations}


class TestUngroundedValuesAreFlagged:
    @pytest.mark.parametrize(
        ("text", "kind", "value"),
        [
            ("An invented CPT 99213 was billed.", "code", "99213"),
            ("CPT category III 0042T", "code", "0042T"),
            ("HCPCS J3490-JW", "code", "J3490"),
            ("Diagnosis E11.9 on file", "code", "E11.9"),
            ("Denied under PR-197.", "code", "PR-197"),
            ("See CO 50 and N54.", "code", "CO 50"),
            ("Remark code: M1", "code", "M1"),
            ("Claim number 98765-43210", "code", "98765"),
            ("Member ID XYZ987654321", "code", "987654321"),
            ("NPI 1999999999", "code", "1999999999"),
            ("Mail it to PO Box 12345.", "code", "12345"),
        ],
    )
    def test_code_or_identifier(self, text: str, kind: str, value: str) -> None:
        assert (kind, value) in found(text)

    @pytest.mark.parametrize(
        "printed",
        [
            "2025-07-04",
            "2025/07/04",
            "07/04/2025",
            "7/4/25",
            "07-04-2025",
            "7.4.2025",
            "July 4, 2025",
            "July 4th, 2025",
            "Jul 4, 2025",
            "Jul. 4 2025",
            "JULY 4, 2025",
            "4 Jul 2025",
            "4 July 2025",
            "04-Jul-2025",
            "2025-07-04T09:00:00Z",
            "July 4",
        ],
    )
    def test_date_in_any_format(self, printed: str) -> None:
        assert found(f"Send it by {printed}.") == {("date", printed)}

    def test_impossible_date(self) -> None:
        assert found("Due Feb 30, 2025 or 2025-02-30.") == {
            ("date", "Feb 30, 2025"),
            ("date", "2025-02-30"),
        }

    @pytest.mark.parametrize(
        "printed", ["$999.99", "$1234", "$ 12", "USD 12.00", "12.00 USD", "1,234.56", "$2,500.01"]
    )
    def test_amount(self, printed: str) -> None:
        assert found(f"You owe {printed} now.") == {("amount", printed)}

    @pytest.mark.parametrize(
        "printed",
        ["(800) 555-1234", "800-555-1234", "1-800-555-1234", "800.555.1234", "+1 800 555 1234"],
    )
    def test_phone_in_any_format(self, printed: str) -> None:
        assert found(f"Call {printed} today.") == {("phone", printed)}

    def test_citation_without_plan_rules(self) -> None:
        text = 'Imaging needs approval [SBC p.4, "Services You May Need"].'
        assert found(text) == {("citation", '[SBC p.4, "Services You May Need"]')}

    def test_citation_the_rules_do_not_give(self) -> None:
        truth = GroundTruth.from_facts(FACTS, plan_rules=RULES)
        text = '[SBC p.5, "Services You May Need"] [EOC p.4] [SBC p.4, "Exclusions"] [SBC]'
        assert {value for _, value in found(text, truth)} == {
            '[SBC p.5, "Services You May Need"]',
            "[EOC p.4]",
            '[SBC p.4, "Exclusions"]',
            "[SBC]",
        }

    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("Claim number: None", "None"),
            ("Paid: null", "null"),
            ("Provider: undefined", "undefined"),
            ("Billed: $nan", "nan"),
            ("Billed: NaN", "NaN"),
            ("Dear {{ member_name", "{{"),
            ("member_name }}", "}}"),
            ("{% if claim %}", "{%"),
            ("Claim Number:", "Claim Number:"),
            ("  - **Member ID:**  ", "- **Member ID:**"),
            ("Date of Service:\t\r", "Date of Service:"),
            ("* Phone:", "* Phone:"),
        ],
    )
    def test_placeholder(self, text: str, value: str) -> None:
        assert ("placeholder", value) in found(f"# Letter\n{text}\nThanks.")

    def test_digits_of_a_date_or_phone_are_not_flagged_again(self) -> None:
        report = check("doc.md", "Call 1-800-555-1234 by 2025-07-04 or 04-Jul-2025.", TRUTH)
        assert [v.kind for v in report.violations] == ["phone", "date", "date"]

    def test_url_not_in_the_facts_is_read_inside(self) -> None:
        assert found("See https://claims.example/case/98765.") == {("code", "98765")}

    def test_violation_knows_where_it_is(self) -> None:
        text = "# Appeal\nCall 800-555-1234 now.\n"
        [violation] = check("doc.md", text, TRUTH).violations
        assert (violation.start, violation.end, violation.line) == (14, 26, 2)
        assert text[violation.start : violation.end] == violation.value


class TestGroundedValuesPass:
    @pytest.mark.parametrize(
        "text",
        [
            "Denied on 2025-03-04, 03/04/2025, 3/4/25, March 4, 2025, Mar. 4 2025, 4 Mar 2025.",
            "Service was on 12-Feb-2025 (FEBRUARY 12, 2025; 12 February 2025; 2/12/2025).",
            "Appeal by August 31 (Aug 31st, 2025); policy effective January 1, 2025.",
            "Call (800) 555-0142, 800.555.0142, +1 800 555 0142 or 1 800 555 0142.",
            "Fax 1-800-555-0199 or 800 555 0199.",
            "Billed $2,500.00 ($2500, USD 2,500, 2,500.00 USD); paid $0.00 ($0).",
            "Codes CO-197, CO 197, CO197, reason code 197, remark N30, remark code N30.",
            "CPT 73721, HCPCS E0601, ICD-10 M23.205 (M23205).",
            "Claim 25061-00873, member CHP55810274, group GRP-40219, NPI 1245319599.",
            "Cascade Health Plan, P.O. Box 44120, Portland, OR 97208; policy 2024-117.",
            "See https://cascadehealth.example/appeals/form-20931, appeals@cascadehealth.example.",
            "Step 2: send 3 copies within 180 days. Questions to ask:\n## Claim Number\n",
            "None of the codes apply. ICD-10 and COVID-19, A1C, H2O, W-2, 10:30 AM, 98.6 F.",
            "Claim Number: 25061-00873\n**Member ID:** CHP55810274\nDate of Service: 2025-02-12",
            "",
        ],
    )
    def test_facts_in_any_notation(self, text: str) -> None:
        assert found(text) == set()

    def test_plan_deadlines_and_their_bases(self) -> None:
        text = "Send it by August 17, 2025 (15 days before 2025-09-01)."
        assert found(text) == {("date", "August 17, 2025"), ("date", "2025-09-01")}
        assert found(text, GroundTruth.from_facts(FACTS, plan=PLAN)) == set()

    def test_extra_dates(self) -> None:
        truth = GroundTruth.from_facts(FACTS, extra_dates=[date(2025, 3, 10)])
        assert found("Date: March 10, 2025", truth) == set()

    def test_cited_plan_rules_and_what_they_quote(self) -> None:
        truth = GroundTruth.from_facts(FACTS, plan_rules=RULES)
        text = (
            'Imaging needs approval [SBC p.4, "Services You May Need"] [SBC p.4] '
            "[SBC p. 4, \u201cservices you may need\u201d]; a $250 copay applies "
            "[EOC p.12, Appeals]."
        )
        assert found(text, truth) == set()

    def test_counts_what_it_checked(self) -> None:
        report = check("doc.md", "CO-197 on 2025-03-04: $2,500.00, call 800-555-0142.", TRUTH)
        assert report.ok
        assert report.checked == {
            "code": 1,
            "date": 1,
            "amount": 1,
            "phone": 1,
            "citation": 0,
            "placeholder": 0,
        }

    def test_a_realistic_appeal_letter_is_clean(self) -> None:
        truth = GroundTruth.from_facts(FACTS, PLAN, RULES, extra_dates=[date(2025, 3, 10)])
        report = check("appeal_letter.md", APPEAL_LETTER, truth)
        assert report.violations == []
        assert all(report.checked[kind] > 0 for kind in KINDS if kind != "placeholder")

    def test_check_documents_reports_each(self) -> None:
        reports = check_documents({"a.md": "CO-197", "b.md": "CO-50"}, TRUTH)
        assert [(r.document, r.ok) for r in reports] == [("a.md", True), ("b.md", False)]


APPEAL_LETTER = dedent(
    """\
    # Appeal of claim 25061-00873

    March 10, 2025

    Cascade Health Plan, Member Appeals Unit
    P.O. Box 44120, Portland, OR 97208
    Fax: (800) 555-0199

    - **Member ID:** CHP55810274
    - **Group Number:** GRP-40219
    - **Claim Number:** 25061-00873
    - **Date of Service:** 02/12/2025
    - **Provider:** Willamette Imaging Associates (NPI 1245319599)

    Dear Appeals Reviewer,

    I am writing to appeal your decision of March 4, 2025 denying the claim for an MRI of the
    left knee without contrast (CPT 73721, diagnosis M23.205), billed at $2,500.00. The letter
    gives reason code CO-197 with remark N30: prior authorization was not obtained. My plan
    requires prior authorization for advanced imaging [SBC p.4, "Services You May Need"].

    ## What I am asking for

    1. Review the enclosed records and approve the service retroactively.
    2. Reprocess the claim; $0.00 has been paid so far.

    Questions to ask:
    - Was a retro-authorization requested by Willamette Imaging Associates?

    I am sending 3 copies by August 17, 2025, well within the 180-day window that ends on
    2025-08-31. If you have questions, call Member Services at (800) 555-0142 or write to
    appeals@cascadehealth.example.

    ## Assumptions

    - None of the amounts have been paid.
    - Plan-specific coverage not verified.

    This is not legal or medical advice.
    """
)


class TestCalendar:
    def calendar(self, *days: date) -> str:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//DenialOps//deadlines 1.0//EN")
        cal.add("version", "2.0")
        for day in days:
            event = icalendar.Event()
            event.add("uid", f"{uuid.uuid4()}@denialops")
            event.add("dtstamp", datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC))
            event.add("dtstart", day)
            event.add("dtend", date.fromordinal(day.toordinal() + 1))
            event.add("summary", f"Appeal deadline, claim 25061-00873 ({day:%B %d, %Y})")
            event.add(
                "description",
                "Send the appeal for the MRI billed at $2,500.00; denied with CO-197. "
                "Questions: call Member Services at (800) 555-0142 or fax 800-555-0199.",
            )
            cal.add_component(event)
        return str(cal.to_ical().decode())

    def test_grounded_calendar_passes_despite_folds_and_escapes(self) -> None:
        text = self.calendar(date(2025, 8, 31), date(2025, 3, 4))
        assert "\\," in text
        assert "\r\n " in text
        report = check("deadlines.ics", text, TRUTH)
        assert report.violations == []
        assert report.checked["date"] >= 4
        assert report.checked["phone"] == 4

    def test_invented_event_date_is_flagged_in_the_raw_file(self) -> None:
        text = self.calendar(date(2025, 7, 4))
        report = check("deadlines.ics", text, TRUTH)
        assert {(v.kind, v.value) for v in report.violations} == {
            ("date", "20250704"),
            ("date", "20250705"),
            ("date", "July 04, 2025"),
        }
        for violation in report.violations:
            raw = text[violation.start : violation.end]
            assert raw.replace("\r\n ", "").replace("\\,", ",") == violation.value

    def test_value_split_by_a_fold_is_read_whole(self) -> None:
        text = (
            "BEGIN:VEVENT\r\nDESCRIPTION:Call 800-555-12\r\n 34 or 800-555-01\r\n 42\r\nEND:VEVENT"
        )
        [violation] = check("deadlines.ics", text, TRUTH).violations
        assert violation.value == "800-555-1234"
        assert violation.line == 2
        assert text[violation.start : violation.end] == "800-555-12\r\n 34"


FRAGMENTS = (
    "CO-", "197", "1", "-", "/", ".", ",", "$", "USD", " ", "\n", "\r\n ", "\\,", ":", "Jan",
    "May ", "2025", "12", "(800)", "555", "0142", "[SBC p.", "]", "{{", "None", "N30", "M23",
    ".205", "https://", "@", "Claim Number:", "**", "DTSTART:", "20250831", "T", "Z", "\u00a0",
)  # fmt: skip


class TestRobustness:
    @settings(max_examples=300, deadline=None)
    @given(
        text=st.one_of(st.text(), st.lists(st.sampled_from(FRAGMENTS)).map("".join)),
        name=st.sampled_from(["doc.md", "deadlines.ics"]),
    )
    def test_any_text_gives_a_report(self, text: str, name: str) -> None:
        report = check(name, text, TRUTH)
        assert isinstance(report, GroundingReport)
        assert report.ok == (not report.violations)
        for v in report.violations:
            assert 0 <= v.start < v.end <= len(text)
            assert v.line == text.count("\n", 0, v.start) + 1
            if name == "doc.md":
                assert text[v.start : v.end] == v.value

    @pytest.mark.parametrize(
        "unit", ["a", "1", "1 ", "Jan ", "$1,", "CO-", "[SBC p.", "x@", "https://a", "12-", "\n"]
    )
    def test_scan_is_linear(self, unit: str) -> None:
        text = unit * (200_000 // len(unit))
        started = time.perf_counter()
        check("doc.md", text, TRUTH)
        assert time.perf_counter() - started < 5.0


GUARD_FRAGMENTS = (
    "a", "word", "Remark", "RARC ", "MA18", "US$", "USD ", "www.", "x.y+z_", "\t", "\r",
    "January ", "SEPT", "3rd", "of ", "PR ", "OA-", "A1", "Z99", "1234T", "null", "nan",
    "NaN", "undefined", "Member ID:", "- **Claim number:** ", "%}", "}}", "#", "e",
    "\n- **Date of service:**\n", "\nPayer:  \r\n", "Remark code: ", "http", "www.x.org",
)  # fmt: skip


@st.composite
def _spans(draw: st.DrawFn) -> tuple[str, int, int]:
    """A text (any, or fragments with and without an "@") and a [pos, end) span of it."""
    fragments = FRAGMENTS + GUARD_FRAGMENTS
    text = draw(
        st.one_of(
            st.text(),
            st.lists(st.sampled_from(fragments)).map("".join),
            st.lists(st.sampled_from([f for f in fragments if "@" not in f])).map("".join),
        )
    )
    pos = draw(st.integers(0, len(text)))
    return text, pos, draw(st.integers(pos, len(text)))


SPANS = _spans()


class TestScanGuard:
    """The lexer's `_GUARD` only skips positions where nothing can match: scanning with it
    gives exactly the matches of the unguarded pattern (the reference, built here from the
    same alternatives)."""

    REFERENCE = re.compile(lexer._START + "(?:" + "|".join(lexer._ALTERNATIVES) + ")", re.MULTILINE)

    @staticmethod
    def matches(pattern: re.Pattern[str], text: str, pos: int, end: int) -> list[Any]:
        return [(m.lastgroup, m.span(), m.groups()) for m in pattern.finditer(text, pos, end)]

    @settings(max_examples=500, deadline=None)
    @given(span=SPANS)
    def test_guarded_scan_finds_what_the_unguarded_one_does(
        self, span: tuple[str, int, int]
    ) -> None:
        text, pos, end = span
        assert self.matches(lexer._SCAN, text, pos, end) == self.matches(
            self.REFERENCE, text, pos, end
        )

    def test_on_a_realistic_letter(self) -> None:
        text = APPEAL_LETTER + "\nContact: claims@cascade.example, https://cascade.example/x\n"
        assert self.matches(lexer._SCAN, text, 0, len(text)) == self.matches(
            self.REFERENCE, text, 0, len(text)
        )

    def tokens(self, text: str, pos: int, end: int) -> list[lexer.Token]:
        found = self.REFERENCE.finditer(text, pos, end)
        return [lexer._BUILDERS[m.lastgroup](m) for m in found if m.lastgroup is not None]

    @settings(max_examples=1000, deadline=None)
    @given(span=SPANS)
    def test_scan_gives_the_tokens_of_the_unguarded_pattern(
        self, span: tuple[str, int, int]
    ) -> None:
        # `scan` takes the fast path (`_SCAN_FAST` plus a pass for label lines) unless the span
        # holds an "@"; either way, the tokens are those of the plain alternation.
        text, pos, end = span
        assert list(lexer.scan(text, pos, end)) == self.tokens(text, pos, end)

    @pytest.mark.parametrize(
        ("text", "pos"),
        [("Claim number:\nCO-197", 0), ("x\nPayer:\n", 2), ("x\nPayer:\n", 3), ("Payer:", 0)],
    )
    def test_a_label_at_the_first_line_of_a_span(self, text: str, pos: int) -> None:
        tokens = list(lexer.scan(text, pos))
        assert tokens == self.tokens(text, pos, len(text))
        assert any(t.form == "label" for t in tokens) == (pos != 3)

    @pytest.mark.parametrize("contact", ["", "\nWrite to claims@cascade.example\n"])
    def test_scan_on_a_realistic_letter(self, contact: str) -> None:
        text = APPEAL_LETTER + "\nClaim number:\n- **Payer:**\nhttps://cascade.example/x" + contact
        tokens = list(lexer.scan(text))
        assert tokens == self.tokens(text, 0, len(text))
        assert [t.text for t in tokens if t.form == "label"] == ["Claim number:", "- **Payer:**"]
