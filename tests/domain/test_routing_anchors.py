"""The routing's fast paths answer exactly as the plain regexes they stand in for.

`Anchored` skips a regex where none of its anchors occurs; the sentence splitter looks at
boundaries from the right; the boundary regex is written to let the engine skip ahead. Each
is compared here with the plain form, on generated text built from the patterns' own words
and on every labelled letter.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from denialops.domain.routing import context
from denialops.domain.routing.anchors import Anchored, required_literals
from denialops.domain.routing.context import TextReader
from denialops.domain.routing.scan import find_hits

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.too_slow],
)
LETTERS: Final = sorted((Path(__file__).parents[2] / "eval").glob("*/*.txt"))

#: Every anchored cue in the routing context module.
CUES: Final = {name: cue for name, cue in vars(context).items() if isinstance(cue, Anchored)}
#: The words of the cue patterns and their anchors, and what separates words in a letter:
_WORDS: Final = sorted(
    {word for cue in CUES.values() for word in re.findall(r"[a-z_']+", cue.pattern.pattern)}
    | {anchor for cue in CUES.values() for anchor in cue.anchors}
)
#: spaces, line breaks, punctuation, a curly apostrophe, an accented letter.
_GLUE: Final = [*" \t\n.,:()-x\u2019\u00e9", "  ", "\n\n", ". "]
cue_text = st.lists(st.sampled_from(_WORDS + _GLUE), max_size=24).map("".join)


def spans(text: str) -> st.SearchStrategy[tuple[int, int]]:
    bound = st.integers(0, len(text))
    return st.tuples(bound, bound).map(lambda ends: (min(ends), max(ends)))


class TestRequiredLiterals:
    @pytest.mark.parametrize(
        ("pattern", "expected"),
        [
            (r"your\s+appeal|an\s+appeal", {"appeal"}),
            (r"\bif\s+you", {"you"}),  # the longer of the two words
            (r"questions?", {"question"}),
            (r"[abc]d|e", {"d", "e"}),
            (r"(?:forgot|got)\s+it", {"got"}),  # "forgot" holds "got": one search is enough
            (r"(?=abc)xy", {"xy"}),  # a look-ahead's text is not part of the match
            (r"(?:ab)+c", {"ab"}),
        ],
    )
    def test_every_match_holds_one_of_them(self, pattern: str, expected: set[str]) -> None:
        assert required_literals(re.compile(pattern)) == expected

    @pytest.mark.parametrize(
        "pattern",
        [r"a?b?", r"x|\d+", r"(?i)abc", r"[ab]+", r"(?:ab)*c?", r"(?:a|)b?"],
    )
    def test_none_when_a_match_may_hold_no_literal(self, pattern: str) -> None:
        assert required_literals(re.compile(pattern)) == frozenset()

    def test_an_unanchored_pattern_always_runs(self) -> None:
        digits = Anchored(r"\d+")
        assert digits.anchors == ()
        assert digits.search("no 42 here") is not None


class TestAnchoredIsThePattern:
    @pytest.mark.parametrize("name", sorted(CUES))
    def test_every_cue_has_anchors(self, name: str) -> None:
        assert CUES[name].anchors, f"{name} would run everywhere: give its branches a word"

    @pytest.mark.parametrize("name", sorted(CUES))
    @PROPERTY
    @given(data=st.data())
    def test_search_and_match_agree_around_a_match(self, name: str, data: st.DataObject) -> None:
        cue = CUES[name]
        # Some text the pattern matches (any of its branches), inside other cue words.
        inner = data.draw(st.from_regex(cue.pattern, fullmatch=True))
        text = data.draw(cue_text) + inner + data.draw(cue_text)
        for lo, hi in ((0, len(text)), data.draw(spans(text))):
            assert _span(cue.search(text, lo, hi)) == _span(cue.pattern.search(text, lo, hi))
            assert _span(cue.match(text, lo, hi)) == _span(cue.pattern.match(text, lo, hi))

    @pytest.mark.parametrize("path", LETTERS, ids=lambda p: p.name)
    def test_search_agrees_on_every_sentence_of_the_letters(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        reader = TextReader.of(text)
        for hit in find_hits(reader.low):
            for lo, hi in (reader.sentence(hit.start, hit.end), (0, len(text))):
                for cue in CUES.values():
                    plain = cue.pattern.search(reader.low, lo, hi)
                    assert _span(cue.search(reader.low, lo, hi)) == _span(plain)


# --- the sentence splitter -------------------------------------------------------------------

#: The boundary regex as first written: tried at every character.
_PLAIN_BOUNDARY: Final = re.compile(
    r"[.!?](?=\s)|\n[ \t]*\n|\n(?=[ \t]*(?:[-\u2022*\u25aa\u25e6]|\d{1,2}[.)])[ \t])"
)
boundary_text = st.lists(
    st.sampled_from([".", "!", "?", "\n", " ", "\t", "-", "\u2022", "*", "\u25aa", "\u25e6"])
    | st.sampled_from(["1", "12", ")", "a", "Dr", "\n\t\n", "\n \n", "\n1. ", "\n- "]),
    max_size=30,
).map("".join)
sentence_text = st.lists(
    st.sampled_from(["Dr.", "St.", "J.", "No.", "e.g.", " ", "\n", "\n\n", "\n- ", "\n1. ", "?"])
    | st.sampled_from(["the", "claim", "was", "denied", ".", "! ", "not", "covered", "x"]),
    max_size=40,
).map("".join)


@given(boundary_text, st.data())
@PROPERTY
def test_the_boundary_regex_finds_what_the_plain_one_does(text: str, data: st.DataObject) -> None:
    lo, hi = data.draw(spans(text))
    fast = [m.span() for m in context._BOUNDARY_RE.finditer(text, lo, hi)]
    assert fast == [m.span() for m in _PLAIN_BOUNDARY.finditer(text, lo, hi)]


@given(sentence_text, st.data())
@PROPERTY
def test_sentences_are_those_of_the_forward_scan(text: str, data: st.DataObject) -> None:
    start, end = data.draw(spans(text))
    reader = TextReader.of(text)
    assert reader.sentence(start, end) == _forward_sentence(reader, start, end)


def _forward_sentence(reader: TextReader, start: int, end: int) -> tuple[int, int]:
    """The sentence splitter as first written: every boundary, left to right."""
    low = reader.low

    def boundaries(lo: int, hi: int) -> list[re.Match[str]]:
        kept = []
        for m in _PLAIN_BOUNDARY.finditer(low, lo, hi):
            if low[m.start()] == ".":
                word = low[max(0, m.start() - 8) : m.start()].rsplit(None, 1)[-1:]
                if word and (len(word[0]) == 1 or word[0] in context._ABBREVIATIONS):
                    continue
            kept.append(m)
        return kept

    lo = max(0, start - context._WINDOW)
    left = lo
    for m in boundaries(lo, start):
        left = m.end()
    hi = min(len(low), end + context._WINDOW)
    after = boundaries(end, hi)
    return left, (after[0].start() + 1 if after else hi)


@given(st.text(alphabet="AbC .:-\t1é", max_size=90))
@PROPERTY
def test_caps_headings_are_read_as_before(line: str) -> None:
    stripped = line.strip()
    letters = sum(ch.isalpha() for ch in stripped)
    plain = (
        3 <= len(stripped) <= 80
        and letters >= 3
        and not any(ch.islower() for ch in stripped)
        and not stripped.endswith(".")
    )
    assert context._is_caps_heading(line) == plain


def _span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return m.span() if m is not None else None
