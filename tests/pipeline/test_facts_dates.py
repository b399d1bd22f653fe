"""`extract_facts` dates: every format, the letter's date, the date of service, the appeal
window and a deadline computed only from the letter's own date."""

from __future__ import annotations

import pytest
from facts_helpers import facts_of


class TestDateFormats:
    @pytest.mark.parametrize(
        ("written", "iso"),
        [
            ("January 5, 2024", "2024-01-05"),
            ("Jan. 5, 2024", "2024-01-05"),
            ("Sept 30, 2023", "2023-09-30"),
            ("July 9th, 2024", "2024-07-09"),
            ("01/05/2024", "2024-01-05"),
            ("1/5/24", "2024-01-05"),
            ("2024-01-05", "2024-01-05"),
            ("5 Jan 2024", "2024-01-05"),
            ("05-Dec-2024", "2024-12-05"),
            ("12.05.2024", "2024-12-05"),
        ],
    )
    def test_each_format_is_read_in_us_order(self, written: str, iso: str) -> None:
        facts = facts_of(f"Date of Service: {written}\n")
        assert facts.dates.date_of_service == iso
        assert facts.evidence["dates.date_of_service"].quote == written

    def test_impossible_dates_are_not_dates(self) -> None:
        facts = facts_of("Date of service: 02/30/2024\nDate of notice: 13/01/2024\n")
        assert facts.dates.date_of_service is None
        assert facts.dates.date_of_denial is None


class TestLetterDate:
    def test_date_alone_near_the_top_is_the_letters_date(self) -> None:
        facts = facts_of("Juniper Health\n\nApril 2, 2024\n\nDear Member,\n")
        assert facts.dates.date_of_denial == "2024-04-02"

    @pytest.mark.parametrize(
        "line",
        ["Date: 04/02/2024", "Date of notice: 04/02/2024", "Statement date: April 2, 2024"],
    )
    def test_labelled_letter_date(self, line: str) -> None:
        assert facts_of(line).dates.date_of_denial == "2024-04-02"

    def test_a_birth_date_is_neither_the_letters_date_nor_the_service(self) -> None:
        facts = facts_of("Patient DOB: 07/19/1951\n")
        assert facts.dates.date_of_denial is None
        assert facts.dates.date_of_service is None


class TestDateOfService:
    @pytest.mark.parametrize(
        "sentence",
        [
            "We reviewed your claim for an MRI performed on March 3, 2024.",
            "Your claim for services received on March 3, 2024 was denied.",
            "Service Date: 03/03/2024",
            "DOS: 2024-03-03",
        ],
    )
    def test_service_date_cues(self, sentence: str) -> None:
        assert facts_of(sentence).dates.date_of_service == "2024-03-03"

    def test_a_range_gives_its_first_date(self) -> None:
        facts = facts_of("Dates of service: 09-Apr-2024 through 18-Apr-2024\n")
        assert facts.dates.date_of_service == "2024-04-09"

    def test_dates_about_claim_handling_are_not_the_service_date(self) -> None:
        facts = facts_of("We received your claim on 05/01/2024 and paid it on 05/09/2024.")
        assert facts.dates.date_of_service is None


class TestAppealWindowAndDeadline:
    def test_window_counted_from_the_letters_date_gives_a_deadline(self) -> None:
        facts = facts_of("""
            March 1, 2024

            You may appeal within 180 days of the date of this letter.
        """)
        assert facts.dates.appeal_window_days == 180
        assert facts.dates.appeal_deadline == "2024-08-28"

    def test_window_counted_from_receipt_gives_no_deadline(self) -> None:
        facts = facts_of("""
            March 1, 2024

            You may file an appeal within 60 calendar days after you receive this notice.
        """)
        assert facts.dates.appeal_window_days == 60
        assert facts.dates.appeal_deadline is None
        assert "dates.appeal_deadline" in facts.missing_info

    def test_undated_letter_gives_a_window_but_no_deadline(self) -> None:
        facts = facts_of("You have 30 days from the date of this letter to file an appeal.")
        assert facts.dates.appeal_window_days == 30
        assert facts.dates.appeal_deadline is None

    def test_a_stated_deadline_is_taken_as_written(self) -> None:
        facts = facts_of("""
            Date: 01/10/2024
            Your appeal must be received by March 1, 2024.
            You may appeal within 180 days of the date of this notice.
        """)
        assert facts.dates.appeal_deadline == "2024-03-01"

    def test_number_words_and_parentheses(self) -> None:
        facts = facts_of("Your written appeal must be received within thirty (30) calendar days.")
        assert facts.dates.appeal_window_days == 30

    def test_filing_limits_and_payer_timelines_are_not_appeal_windows(self) -> None:
        facts = facts_of("""
            Claims must be received within 90 days of the date of service.
            We will make a decision within 30 days of receiving your appeal.
            An expedited appeal is decided within 72 hours.
        """)
        assert facts.dates.appeal_window_days is None

    def test_the_appeal_window_beats_a_records_window(self) -> None:
        facts = facts_of("""
            Date of notice: 2024-08-19
            Send the records within 45 days of the date of this notice. If we do not
            receive them, you may then appeal within 180 days of the date of this notice.
        """)
        assert facts.dates.appeal_window_days == 180
        assert facts.dates.appeal_deadline == "2025-02-15"
