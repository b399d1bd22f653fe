"""`extract_facts` codes: CARC notations, RARCs in context, CPT/HCPCS only in a procedure
context, real ICD-10-CM codes, NPIs with a valid check digit."""

from __future__ import annotations

import time

import pytest
from facts_helpers import facts_of

from denialops.domain.facts import CaseFacts, CodeType


def codes(facts: CaseFacts, kind: CodeType) -> list[str]:
    return [c.code for c in facts.denial_codes if c.code_type is kind]


class TestCarc:
    @pytest.mark.parametrize(
        ("written", "code"),
        [
            ("Denial code: CO-197", "CO-197"),
            ("Adjustment: CO 197", "CO-197"),
            ("Line 1 denied CO197.", "CO-197"),
            ("Group Code CO, Reason Code 197 - authorization absent", "CO-197"),
            ("CARC 197 (CO): precertification absent", "CO-197"),
            ("Reason code: 197", "197"),
            ("Denial Code: CO-50", "CO-50"),
            ("Adjustment reason code 45 applies.", "45"),
            ("denied as a duplicate (code 18).", "18"),
            ("Codes: PR-1, PR-2", "PR-1"),
        ],
    )
    def test_notations(self, written: str, code: str) -> None:
        found = codes(facts_of(written), CodeType.CARC)
        assert code in found

    def test_group_and_description_come_from_our_table(self) -> None:
        carc = facts_of("Denial Code: CO-197").denial_codes[0]
        assert (carc.code, carc.group, carc.code_type) == ("CO-197", "CO", CodeType.CARC)
        assert carc.description is not None
        assert "authorization" in carc.description

    def test_each_code_once_and_the_grouped_form_wins(self) -> None:
        facts = facts_of("Reason code 16.\nCO-16  Claim lacks information.\nCO-16 again.")
        assert codes(facts, CodeType.CARC) == ["CO-16"]

    def test_unknown_codes_and_lookalikes_are_not_carcs(self) -> None:
        facts = facts_of("CO-999 applies. Denver, CO 80202. CO2 levels were normal.")
        assert codes(facts, CodeType.CARC) == []


class TestRarc:
    def test_remark_codes_in_context(self) -> None:
        facts = facts_of("Remark codes: N30, MA130\nCO-16 M15")
        assert codes(facts, CodeType.RARC) == ["N30", "MA130", "M15"]

    def test_a_remark_column_reaches_down_its_table(self) -> None:
        facts = facts_of("""
            Proc    Billed     Paid     Remark
            99213   $100.00    $0.00    M15
            99214   $150.00    $0.00    N30
        """)
        assert codes(facts, CodeType.RARC) == ["M15", "N30"]

    def test_a_labelled_remark_code_is_taken_even_if_our_table_lacks_it(self) -> None:
        facts = facts_of("CO-16 Claim lacks information.\nRemark code: N382 (patient ID)")
        assert codes(facts, CodeType.RARC) == ["N382"]

    def test_an_unknown_code_next_to_a_carc_needs_the_table(self) -> None:
        facts = facts_of("Adjustment: CO-16 N999 applied.")
        assert codes(facts, CodeType.RARC) == []

    def test_remark_lookalikes_without_context_are_not_taken(self) -> None:
        facts = facts_of("Take the N30 bus to the M15 stop near Suite N130.")
        assert codes(facts, CodeType.RARC) == []


class TestProcedureCodes:
    @pytest.mark.parametrize(
        "written",
        [
            "CPT code 72148",
            "CPT: 72148",
            "Procedure code: 72148",
            "MRI lumbar spine (72148)",
            "Service: MRI lumbar spine (CPT 72148)",
            "Services: 72148-26, 72149",
        ],
    )
    def test_procedure_contexts(self, written: str) -> None:
        assert "72148" in facts_of(written).service.cpt_codes

    @pytest.mark.parametrize(
        "written",
        [
            "Raleigh, NC 27601",
            "ZIP code 72148",
            "P.O. Box 72148, Durham, NC 27702",
            "Call (800) 555-1234 or fax 919-555-0101",
            "NPI: 1234567893",
            "Member ID: 72148",
            "Claim #: 72148",
            "Reference number: 72148",
            "Billed: $72148.00",
            "Date of service: 07/21/2048",
            "Modifier 59 was billed; modifier 25 too.",
        ],
    )
    def test_lookalikes_are_not_cpt(self, written: str) -> None:
        facts = facts_of(written)
        assert facts.service.cpt_codes == []
        assert codes(facts, CodeType.CPT) == []

    def test_a_modifier_is_not_a_code(self) -> None:
        facts = facts_of("CPT 99213-25 was billed with modifier 59.")
        assert facts.service.cpt_codes == ["99213"]

    def test_hcpcs_labelled_cpt_is_hcpcs(self) -> None:
        facts = facts_of("CPT Code: J1745 (infliximab, 10 mg)")
        assert facts.service.cpt_codes == []
        assert facts.service.hcpcs_codes == ["J1745"]
        assert codes(facts, CodeType.HCPCS) == ["J1745"]

    def test_remittance_table_procedure_column(self) -> None:
        facts = facts_of("""
            Line  Proc     Mod   Billed    Allowed  Paid
            01    11042          $420.00   $188.12  $188.12
            02    E0601    RR    $260.00   $0.00    $0.00
                  Claim totals   $680.00   $188.12  $188.12
        """)
        assert facts.service.cpt_codes == ["11042"]
        assert facts.service.hcpcs_codes == ["E0601"]

    def test_service_lines_opening_with_a_code(self) -> None:
        facts = facts_of("""
            The claim for the services below has been denied.
               99203    New patient office visit
               73610    X-ray, ankle, complete
        """)
        assert facts.service.cpt_codes == ["99203", "73610"]

    @pytest.mark.parametrize("gap", ["  ", "     ", "\t"])
    def test_a_service_line_with_any_gap_before_its_description(self, gap: str) -> None:
        facts = facts_of(f"Services denied:\n   99203{gap}New patient office visit\n")
        assert facts.service.cpt_codes == ["99203"]

    def test_a_long_run_of_spaces_is_read_in_linear_time(self) -> None:
        # A hostile upload: the column-gap pattern once backtracked through every space of a
        # run from every space of it (60,000 spaces took ~20 s); now each run is read once.
        # The bound is far above the ~0.1 s it takes, to catch only the quadratic blow-up.
        letter = "Procedure code 99203 denied (CO-197).\n" + " " * 60_000 + "x\n"
        started = time.perf_counter()
        facts = facts_of(letter)
        assert time.perf_counter() - started < 5.0
        assert facts.service.cpt_codes == ["99203"]


class TestDiagnosisCodes:
    def test_real_codes_are_normalised_to_their_dotted_form(self) -> None:
        facts = facts_of("Diagnosis: M5450, E11.9\nICD-10: I10")
        assert facts.service.diagnosis_codes == ["M54.50", "E11.9", "I10"]
        m5450 = next(c for c in facts.denial_codes if c.code == "M54.50")
        assert m5450.code_type is CodeType.ICD10CM
        assert m5450.description == "Low back pain, unspecified"

    def test_dotted_code_anywhere_when_real(self) -> None:
        facts = facts_of("We reviewed the CT for abdominal pain (R10.9).")
        assert facts.service.diagnosis_codes == ["R10.9"]

    def test_fake_and_lookalike_codes_are_dropped(self) -> None:
        facts = facts_of("Diagnosis: Z99.99\nDocument control no.: R69.77\nSection 4.2 applies.")
        assert facts.service.diagnosis_codes == []


class TestNpi:
    def test_valid_npi_is_the_providers(self) -> None:
        assert facts_of("Rendering NPI: 1234567893").service.provider_npi == "1234567893"

    def test_failed_check_digit_is_not_an_npi(self) -> None:
        facts = facts_of("Rendering provider NPI as submitted: 1234567890")
        assert facts.service.provider_npi is None
        assert "service.provider_npi" in facts.missing_info

    def test_rendering_npi_beats_billing_npi(self) -> None:
        facts = facts_of("Billing NPI: 1578302212\nRendering NPI: 1234567893")
        assert facts.service.provider_npi == "1234567893"
