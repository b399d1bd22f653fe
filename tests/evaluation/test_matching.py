"""Field and code matching: produced values compare in normalised form (through `score`)."""

from __future__ import annotations

from decimal import Decimal

from denialops.domain.facts import CodeType, DenialCode
from denialops.evaluation import score

from .label_helpers import make_label, perfect_facts, result


class TestMatching:
    def test_a_phone_with_different_punctuation_still_matches(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.contact_info.phone = "(800) 555 1234"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.contact_info.phone = "+1 800.555.1234"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.contact_info.phone = "800-555-4321"
        assert score([result(label, facts)]).field_accuracy == 19 / 20

    def test_strings_are_compared_casefolded_and_alternatives_match(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.payer.name = "  bcbs of   north carolina. "
        facts.payer.claim_number = "clm2024011500001"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.payer.name = "Blue Cross"
        assert score([result(label, facts)]).field_accuracy == 19 / 20

    def test_amounts_compare_to_the_cent_and_dates_as_iso(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.amounts.billed_amount = Decimal("2500.001")
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.amounts.billed_amount = Decimal("2500.01")
        assert score([result(label, facts)]).field_accuracy == 19 / 20
        facts.amounts.billed_amount = Decimal("2500")
        facts.dates.date_of_service = "01/05/2024"  # not ISO: wrong
        facts.amounts.allowed_amount = None  # label 0.00 is a stated value, not null
        report = score([result(label, facts)])
        assert {m.key for m in report.mismatches} == {
            "dates.date_of_service",
            "amounts.allowed_amount",
        }

    def test_carc_group_spellings_normalise_but_a_bare_number_is_wrong(self) -> None:
        label = make_label()
        facts = perfect_facts(label)
        facts.denial_codes = [DenialCode(code="co 197", code_type=CodeType.CARC)]
        facts.service.cpt_codes = ["72148"]
        assert score([result(label, facts)]).codes["CARC"].precision == 1.0
        facts.denial_codes = [DenialCode(code="197", code_type=CodeType.CARC, group="CO")]
        assert score([result(label, facts)]).codes["CARC"].recall == 1.0
        facts.denial_codes = [DenialCode(code="197", code_type=CodeType.CARC)]
        carc = score([result(label, facts)]).codes["CARC"]
        assert (carc.precision, carc.recall) == (0.0, 0.0)
