"""Lines of text that keep the page's layout, rebuilt from runs of text and their positions.

A PDF's text layer and OCR both give a page as runs of text (a word; an OCR box's phrase),
each with a box on the page. Joining a line's runs with single spaces loses what a reader
sees: the columns of a remittance table, the gap between "Billed:" and its amount, the blank
line between two sections. Later stages read tables by column position and "label:   value"
pairs by their gap, so, like `pdftotext -layout`, runs are regrouped here into lines, each run
is placed at the text column its left edge falls in, and a wide vertical gap between two lines
becomes blank lines.

The column grid is the page's average character width: exact for a monospace font, close
otherwise. Text in a proportional font drifts from that grid, so runs an ordinary word space
apart are joined with one space (a sentence reads normally) and only a gap wider than about
one and a half characters snaps the next run to its own column.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from statistics import median
from typing import NamedTuple, Protocol


class Positioned(Protocol):
    """A run of text and its box on the page, in any unit, y growing downwards."""

    @property
    def text(self) -> str: ...
    @property
    def left(self) -> float: ...
    @property
    def top(self) -> float: ...
    @property
    def right(self) -> float: ...
    @property
    def bottom(self) -> float: ...


class Run(NamedTuple):
    """A run of text and its box on the page, y growing downwards."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


# A word space is 0.25-0.6 of an average character in a proportional font (a little more when
# justified) and exactly 1 in a monospace font, whose two-space column gaps measure 2.
_COLUMN_GAP_CHARS = 1.5
# Lines further apart than this many typical line pitches have a blank line between them.
_BLANK_LINE_PITCHES = 1.5
# Single-spaced lines are 1.0-1.3 times their height apart (a font's leading over its
# ascent-to-descent height, which is what a line's box spans); 1.5-spaced lines a little more.
_SINGLE_SPACING = 1.4
# A page's empty bottom half is one break in the text, not thirty blank lines.
_MAX_BLANK_LINES = 2
# Bounds the padding of a degenerate or hostile page (hairline glyphs far apart), whose
# average character width would otherwise put runs thousands of columns out.
_MAX_COLUMNS = 400
# Runs are taken top to bottom, so a run belongs to one of the last few lines if to any; a
# few, not one, because a tilted photo's neighbouring lines interleave.
_LINES_LOOKED_BACK = 4


def lay_out(runs: Sequence[Positioned], *, min_indent: int = 1) -> list[str]:
    """Regroup `runs` into the page's lines, top to bottom, with runs placed left to right at
    their columns and blank lines where the page has a wider vertical gap.

    Columns count from the leftmost run on the page. An indent of fewer than `min_indent`
    columns is dropped: OCR's box edges jitter by half a character, so OCR passes 2. Runs'
    coordinates must be finite; runs without text are ignored.
    """
    runs = [run for run in runs if run.text.strip()]
    if not runs:
        return []
    origin = min(run.left for run in runs)
    extent = max(run.right for run in runs) - origin
    char_width = max(_char_width(runs), extent / _MAX_COLUMNS)
    if char_width <= 0:  # every run a zero-width point at one spot: nothing to measure
        char_width = 1.0
    lines = _group_lines(runs)
    pitch = _typical_pitch(lines)
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and pitch > 0:
            gap = line.center - lines[index - 1].center
            if gap > _BLANK_LINE_PITCHES * pitch:
                out.extend([""] * min(round(gap / pitch) - 1, _MAX_BLANK_LINES))
        out.append(_render(line.runs, origin, char_width, min_indent))
    return out


class _Line:
    """A line's runs and its vertical band: the mean of its runs' tops and of their bottoms,
    which follows a tilted photo's line across the page."""

    __slots__ = ("_bottom_sum", "_top_sum", "bottom", "runs", "top")

    def __init__(self, run: Positioned) -> None:
        self.runs = [run]
        self.top = self._top_sum = run.top
        self.bottom = self._bottom_sum = run.bottom

    @property
    def center(self) -> float:
        return (self.top + self.bottom) / 2

    def add(self, run: Positioned) -> None:
        self.runs.append(run)
        self._top_sum += run.top
        self._bottom_sum += run.bottom
        self.top = self._top_sum / len(self.runs)
        self.bottom = self._bottom_sum / len(self.runs)

    def holds(self, run: Positioned) -> bool:
        """Whether `run` overlaps the line's band by half the smaller height: tolerates a
        slightly tilted photo and mixed type sizes, but keeps single-spaced lines (which do
        not overlap at all) apart."""
        overlap = min(run.bottom, self.bottom) - max(run.top, self.top)
        return overlap > 0.5 * min(run.bottom - run.top, self.bottom - self.top)


def _group_lines(runs: Sequence[Positioned]) -> list[_Line]:
    lines: list[_Line] = []
    for run in sorted(runs, key=lambda r: (r.top + r.bottom, r.left)):
        for line in lines[: -_LINES_LOOKED_BACK - 1 : -1]:
            if line.holds(run):
                line.add(run)
                break
        else:
            lines.append(_Line(run))
    lines.sort(key=lambda line: line.center)
    return lines


def _typical_pitch(lines: Sequence[_Line]) -> float:
    """The distance between consecutive lines of single-spaced text on this page.

    The median distance between lines' centres, but at most `_SINGLE_SPACING` line heights:
    on a short page (a letter's last few lines) the gaps around a blank line are too large a
    share of the gaps for the median alone.
    """
    gaps = [b.center - a.center for a, b in pairwise(lines)]
    gaps = [gap for gap in gaps if gap > 0]
    if not gaps:
        return 0.0
    height = median(line.bottom - line.top for line in lines)
    return min(median(gaps), _SINGLE_SPACING * height) if height > 0 else median(gaps)


def _char_width(runs: Sequence[Positioned]) -> float:
    chars = sum(len(run.text) for run in runs)
    return sum(run.right - run.left for run in runs) / chars if chars else 0.0


def _render(runs: Sequence[Positioned], origin: float, char_width: float, min_indent: int) -> str:
    ordered = sorted(runs, key=lambda r: r.left)
    # A line in larger type (a title) has wider word spaces than the page's average character.
    column_gap = _COLUMN_GAP_CHARS * max(char_width, _char_width(ordered))
    parts: list[str] = []
    length = 0
    right = 0.0
    for index, run in enumerate(ordered):
        column = round((run.left - origin) / char_width)
        if index == 0:
            pad = column if column >= min_indent else 0
        elif run.left - right < column_gap:
            pad = 1
        else:
            # At least two spaces, so the gap still reads as a column break when a
            # proportional font's drift has put the text past this run's column.
            pad = max(column - length, 2)
        text = run.text.strip()
        parts += (" " * pad, text)
        length += pad + len(text)
        right = run.right if index == 0 else max(right, run.right)
    return "".join(parts)
