"""The shipped ICD-10-CM index agrees with simple-icd-10-cm, the code set it is built from."""

from __future__ import annotations

import re

import pytest
import simple_icd_10_cm as cm

from denialops.domain import icd10


def test_index_matches_the_library_code_for_code() -> None:
    expected = {
        code: cm.get_description(code)
        for code in cm.get_all_codes(True)
        if re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", code)
    }
    assert icd10._index() == expected


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("M54.50", True),
        ("m5450", True),
        ("E11.9", True),
        ("J45.909", True),
        ("R69.77", False),
        ("Z00.00", True),
        ("U07.1", True),
        ("A00-A09", False),
        ("1", False),
        ("", False),
    ],
)
def test_validity(code: str, valid: bool) -> None:
    assert icd10.is_valid(code) is valid


def test_description_and_normalisation() -> None:
    assert icd10.normalise(" e119 ") == "E11.9"
    assert icd10.describe("E119") == "Type 2 diabetes mellitus without complications"
    assert icd10.describe("Q99.99") is None
