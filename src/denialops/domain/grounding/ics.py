"""Reading an iCalendar file (`deadlines.ics`) the way a calendar shows it.

RFC 5545 folds long lines (a line break then a space) and escapes commas, semicolons and
newlines in text values, so "$1,840.00" may be stored as "$1\\,8\\r\\n 40.00". `IcsView` undoes
both, remembering where each character came from, and lists the content lines: which property,
and where its value starts and ends. Properties a calendar program writes for itself (DTSTAMP,
UID, PRODID …) are not the document's statements and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

#: Machine bookkeeping, not statements: the stamp of when the file was written, identifiers.
SKIPPED: Final = frozenset(
    {
        "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "UID", "DTSTAMP", "CREATED",
        "LAST-MODIFIED", "SEQUENCE", "TZID", "TZOFFSETFROM", "TZOFFSETTO", "TZNAME", "TRANSP",
        "STATUS", "CLASS", "PRIORITY", "ACTION", "TRIGGER",
    }
)  # fmt: skip
#: Properties whose value is a list of `YYYYMMDD[THHMMSS[Z]]` dates.
DATED: Final = frozenset({"DTSTART", "DTEND", "DUE", "RDATE", "EXDATE", "RECURRENCE-ID"})
_FOLD_OR_ESCAPE: Final = re.compile(r"\r?\n[ \t]|\\[\\,;nN]")
_NEWLINE: Final = re.compile("\n")
_NAME: Final = re.compile(r"[A-Za-z0-9-]+")
COMPACT_DATE: Final = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)(?:T\d{6}Z?)?(?![\dA-Za-z])"
)


@dataclass(frozen=True, slots=True)
class ContentLine:
    """One property: its upper-cased name and its value's [start, end) in the view."""

    name: str
    start: int
    end: int


class IcsView:
    """An iCalendar text unfolded and unescaped; `original(i)` maps back to the raw text."""

    def __init__(self, raw: str) -> None:
        parts: list[str] = []
        index: list[int] = []
        pos = 0
        for m in _FOLD_OR_ESCAPE.finditer(raw):
            parts.append(raw[pos : m.start()])
            index.extend(range(pos, m.start()))
            if m.group().startswith("\\"):
                parts.append("\n" if m.group()[1] in "nN" else m.group()[1])
                index.append(m.start())
            pos = m.end()
        parts.append(raw[pos:])
        index.extend(range(pos, len(raw)))
        self.text = "".join(parts)
        self._index = [*index, len(raw)]
        # an escaped "\\n" becomes a newline too, but only a raw one ends a content line
        newlines = _NEWLINE.finditer(self.text)
        self._breaks = [m.start() for m in newlines if raw[index[m.start()]] == "\n"]

    def original(self, offset: int) -> int:
        """The raw text's offset for the view's `offset` (an end offset maps past its char)."""
        return self._index[offset]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw [start, end) span holding the view's [start, end)."""
        if end <= start:
            return self._index[start], self._index[start]
        return self._index[start], self._index[end - 1] + 1

    def lines(self) -> Iterator[ContentLine]:
        """Each content line's property and value span (a line without a colon is skipped)."""
        start = 0
        for stop in [*self._breaks, len(self.text)]:
            line = _content_line(self.text, start, stop)
            if line is not None:
                yield line
            start = stop + 1


def _content_line(text: str, start: int, stop: int) -> ContentLine | None:
    if stop > start and text[stop - 1] == "\r":
        stop -= 1
    name = _NAME.match(text, start, stop)
    if name is None:
        return None
    quoted = False
    for i in range(name.end(), stop):  # parameters end at the first colon outside quotes
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return ContentLine(name.group().upper(), i + 1, stop)
    return None
