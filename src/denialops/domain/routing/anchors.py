"""Regexes that run only where they can match, behind a substring test read from the pattern.

Python's regex engine can skip ahead to a match only when every branch of a pattern opens with
a plain character. The routing cues ("your appeal|...|\\bif\\s+you|..."), which open with
`\\b` or a group, are instead tried in full at every character: hundreds of machine
instructions per character, for a sentence that usually holds no cue at all.

Yet every match of such a pattern contains one of a few literal words: each match of
`an\\s+appeal|to\\s+appeal|\\bif\\s+you` contains "appeal" or "you". `str.find` looks for a word
in C at about one instruction per character, so when none of the words is in a span, the
pattern need not run there. `Anchored.search` does exactly that, and otherwise runs the
pattern unchanged, so its answer is always the pattern's own.

The words come from the regex engine's parse of the pattern (`required_literals`), not from a
list kept by hand beside it: change the pattern and its anchors change with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # the stubs carry the old public names of the parser modules
    import sre_constants as _constants
    import sre_parse as _parser
else:  # the same modules, without the deprecation warning of the old names
    from re import _constants, _parser

_REPEATS: Final = (_constants.MAX_REPEAT, _constants.MIN_REPEAT)

Factors = frozenset[str]


class Anchored:
    """A compiled pattern and its anchors: literal words at least one of which every match
    contains (empty when none can be read from the pattern: then it always runs)."""

    __slots__ = ("anchors", "pattern")

    def __init__(self, pattern: str | re.Pattern[str]) -> None:
        self.pattern = re.compile(pattern)
        self.anchors: tuple[str, ...] = tuple(sorted(required_literals(self.pattern)))

    def may_match(self, span: str) -> bool:
        """False when no anchor occurs in `span`: then the pattern has no match inside it."""
        if not self.anchors:
            return True
        # A plain loop: the hottest line of routing, and a fifth faster than any(generator).
        for anchor in self.anchors:  # noqa: SIM110
            if anchor in span:
                return True
        return False

    def search(self, text: str, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
        """`pattern.search(text, lo, hi)`, answered without the pattern when no anchor lies
        inside `text[lo:hi]` (a match there would contain one)."""
        stop = len(text) if hi is None else hi
        if not self.may_match(text[lo:stop]):
            return None
        return self.pattern.search(text, lo, stop)

    def match(self, text: str, lo: int = 0, hi: int | None = None) -> re.Match[str] | None:
        """`pattern.match(text, lo, hi)`, behind the same test."""
        stop = len(text) if hi is None else hi
        if not self.may_match(text[lo:stop]):
            return None
        return self.pattern.match(text, lo, stop)


def required_literals(pattern: re.Pattern[str]) -> Factors:
    """Literal strings at least one of which every match of `pattern` contains; empty when
    the parse gives no such set (a case-blind pattern, or one that can match a lone
    character class)."""
    if pattern.flags & re.IGNORECASE:
        return frozenset()
    found = _sequence(_parser.parse(pattern.pattern, pattern.flags).data) or frozenset()
    # A text holding "cannot" holds "can": searching for the shorter word is enough.
    return frozenset(a for a in found if not any(b != a and b in a for b in found))


def _sequence(items: Iterable[tuple[Any, Any]]) -> Factors | None:
    """The most selective factor set of a sequence: each run of literal characters is one
    (the match holds it verbatim), and so is each group, alternation or `+` repeat that
    has one of its own. Anything else (a class, a look-around, `\\b`) ends a run."""
    candidates: list[Factors] = []
    run: list[str] = []
    for op, av in items:
        if op is _constants.LITERAL:
            run.append(chr(av))
            continue
        if run:
            candidates.append(frozenset({"".join(run)}))
            run = []
        found = _item(op, av)
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({"".join(run)}))
    return max(candidates, key=_selectivity, default=None)


def _item(op: Any, av: Any) -> Factors | None:
    if op is _constants.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        return None if add_flags & re.IGNORECASE else _sequence(body.data)
    if op is _constants.BRANCH:
        branches = [_sequence(branch.data) for branch in av[1]]
        if all(branches):  # every branch must bring a factor, or a match may hold none
            return frozenset().union(*(b for b in branches if b))
        return None
    if op in _REPEATS and av[0] >= 1:  # repeated at least once: the body's factor is there
        return _sequence(av[2].data)
    return None


def _selectivity(factors: Factors) -> tuple[int, int]:
    """Longer words are rarer in text, and fewer of them are fewer searches."""
    return min(map(len, factors)), -len(factors)
