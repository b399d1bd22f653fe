"""`find_phi`: the names, addresses and dates of birth a letter states, for pseudonymisation."""

from __future__ import annotations

from denialops.llm.phi_finder import find_phi
from denialops.llm.pseudonymise import PHIKind

LETTER = """Cascade Health Plan
P.O. Box 44120
Portland, OR 97208

Patient Name: Thaddeus Q. Wigglesworth
Date of Birth: 04/17/1961
DOB 1961-04-17
Member: Ottoline Brackenbury

Thaddeus Wigglesworth
4418 Alder Court, Apt 2B
Beaverton, OR 97005-1234

Dear Mr. Thaddeus Wigglesworth,
"""


def test_labelled_and_greeted_names_are_found() -> None:
    found = find_phi(LETTER)
    assert found[PHIKind.PATIENT_NAME] == ["Thaddeus Q. Wigglesworth", "Ottoline Brackenbury"]
    assert found[PHIKind.MEMBER_NAME] == ["Thaddeus Wigglesworth"]


def test_dates_of_birth_in_any_common_form() -> None:
    assert find_phi(LETTER)[PHIKind.DATE_OF_BIRTH] == ["04/17/1961", "1961-04-17"]
    assert find_phi("Birth date: March 3, 1950")[PHIKind.DATE_OF_BIRTH] == ["March 3, 1950"]


def test_street_lines_po_boxes_and_city_lines() -> None:
    assert find_phi(LETTER)[PHIKind.ADDRESS] == [
        "4418 Alder Court, Apt 2B",
        "P.O. Box 44120",
        "Portland, OR 97208",
        "Beaverton, OR 97005-1234",
    ]


def test_generic_salutations_and_plain_prose_are_not_phi() -> None:
    text = "Dear Member,\nDear Provider:\nWe reviewed the claim for 3 visits on Main days.\n"
    assert find_phi(text) == {}
