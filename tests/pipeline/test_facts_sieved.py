"""`Sieved`: the fast case-blind check must answer exactly as the plain case-blind regex."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from denialops.pipeline.facts.deadlines import _NOT_WINDOW
from denialops.pipeline.facts.document import Sieved
from denialops.pipeline.facts.parties import _KNOWN_RE
from denialops.pipeline.facts.sections import BOILERPLATE

PATTERNS = [BOILERPLATE, _NOT_WINDOW, _KNOWN_RE, Sieved(r"(?i)\bwe\s+will\b|due\s+to")]
# Letters of the patterns' words, the characters that lower-case oddly, and separators.
ALPHABET = "wWeEiIlLdDuUtToOsSkKaAnN \t\n.-\u0130\u0131\u017f\u212a"


@pytest.mark.parametrize(
    "text",
    [
        "We will decide within 30 days.",
        "WE  WILL",
        "swe will",
        "Due to",
        "DUE TO a missing record",
        "d\u0131e to",  # dotless i matches "i" case-blind
        "you mu\u017ft appeal",  # long s matches "s" case-blind
        "\u0130f you disagree, call us",
        "Aetna",
        "UNITEDHEALTHCARE",
        "BCBS of Texas",
        "",
    ],
)
def test_found_agrees_with_the_case_blind_regex(text: str) -> None:
    for sieved in PATTERNS:
        assert sieved.found(text) == (sieved.pattern.search(text) is not None)


@given(st.text(alphabet=ALPHABET, max_size=40), st.integers(0, 40), st.integers(-1, 40))
def test_found_agrees_on_any_slice(text: str, start: int, end: int) -> None:
    start = min(start, len(text))
    stop = len(text) if end < 0 else max(start, min(end, len(text)))
    lower = text.lower() if len(text.lower()) == len(text) else None
    for sieved in PATTERNS:
        expected = sieved.pattern.search(text, start, stop) is not None
        assert sieved.found(text, None, start, stop) == expected
        if lower is not None:
            assert sieved.found(text, lower, start, stop) == expected


@pytest.mark.parametrize("pattern", [r"\S+", r"(?<=a)b", r"a(?!b)", r"\Bx"])
def test_patterns_the_sieve_would_misjudge_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="cannot be sieved"):
        Sieved(pattern)


def test_the_pattern_stays_available_case_blind() -> None:
    assert Sieved("abc").pattern.flags & re.IGNORECASE
