"""Remittance-style tables: a header line of column names, service lines, maybe a total line.

    Svc date    Procedure   Billed     Allowed    Paid
    01/29/2024  99214       $245.00    $0.00      $0.00
    Claim total             $245.00    $0.00      $0.00

Columns are separated by two or more spaces, a tab or `|`. A header is a line whose cells name
at least two amount columns (or one amount column and a procedure-code column). Values are
assigned to columns by horizontal position, or in order when a row has exactly one amount per
amount column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from denialops.pipeline.facts.document import Doc, anchored

AMOUNT_COLUMNS: Final = ("billed_amount", "allowed_amount", "paid_amount", "patient_responsibility")

# Literal hints (searched in the lower-cased text): a header names at least one of these.
_HEADER_HINTS: Final = tuple(re.compile(w) for w in ("billed", "charge", "allowed", "paid", "owe"))
_CELL_SEPARATOR: Final = re.compile(r" {2,}|[\t|]")
_MONEY: Final = re.compile(
    r"(?<![\w.,])(?:\$[ \t]*\d[\d,]*(?:\.\d{1,2})?|\d{1,3}(?:,\d{3})*\.\d{2})(?![\d,])"
)
_SEPARATOR_LINE: Final = re.compile(r"[ \t]*[-=_*]{3,}[-=_* \t]*")
# Header words, checked in order: the first that fits names the column.
_COLUMN_KINDS: Final = (
    (
        "other",
        re.compile(
            r"(?i)adj|reason|remark|group|grp|carc|rarc|rev|diag|dx|\bpos\b|mod|primary|prior"
            r"|other\s+ins|\bcob\b|discount|deductible|coinsurance|copay"
        ),
    ),
    (
        "patient_responsibility",
        re.compile(r"(?i)\bowe\b|patient|member|\bresp|your\s+(?:share|cost)"),
    ),
    ("paid_amount", re.compile(r"(?i)paid|payment")),
    ("allowed_amount", re.compile(r"(?i)allow|approved|eligible")),
    ("billed_amount", re.compile(r"(?i)bill|charge|submitted")),
    ("code", re.compile(r"(?i)cpt|hcpcs|proc|\bcode|service\s+code|^svc$")),
    ("date", re.compile(r"(?i)date|\bdos\b")),
    ("description", re.compile(r"(?i)^(?:service|description|service\s+description|item)$")),
)
_AMOUNT_LABEL: Final = re.compile(
    r"(?i)bill|charge|allow|paid|payment|owe|resp|deductible|coinsurance|copay"
)
_MAX_ROWS: Final = 60
#: Tables read per letter: a real letter has one or two; the bound keeps hostile text cheap.
_MAX_TABLES: Final = 20
_HEADER_WORDS: Final = (
    "bill",
    "charge",
    "allow",
    "paid",
    "owe",
    "resp",
    "payment",
    "cpt",
    "code",
    "proc",
)


class Cell(NamedTuple):
    """A cell: offsets relative to its line's start, and its text."""

    start: int
    end: int
    text: str


@dataclass(slots=True)
class Row:
    """A line of the table: its absolute start offset and cells."""

    start: int
    cells: list[Cell]
    money: list[Cell]
    is_total: bool


@dataclass(slots=True)
class Table:
    """A header's columns and the rows under it."""

    columns: list[tuple[str, Cell]]
    rows: list[Row] = field(default_factory=list)

    def amounts(self) -> dict[str, tuple[str, int, int, bool]]:
        """Amount fields from the total row, else from the only service line.

        Each value is (text, absolute start, absolute end, is_total).
        """
        totals = [r for r in self.rows if r.is_total]
        lines = [r for r in self.rows if not r.is_total and r.money]
        if totals:
            row, is_total = totals[0], True
        elif len(lines) == 1:
            row, is_total = lines[0], False
        else:
            return {}
        out: dict[str, tuple[str, int, int, bool]] = {}
        for kind, cell in self._assign(row):
            out.setdefault(
                kind, (cell.text, row.start + cell.start, row.start + cell.end, is_total)
            )
        return out

    def column_cells(self, kind: str) -> list[tuple[int, int]]:
        """Absolute spans of the cells under every column of `kind`, service lines only."""
        spans: list[tuple[int, int]] = []
        for row in self.rows:
            if row.is_total:
                continue
            for col_kind, col in self.columns:
                if col_kind != kind:
                    continue
                cell = _nearest(row.cells, col)
                if cell is not None:
                    spans.append((row.start + cell.start, row.start + cell.end))
        return spans

    def _assign(self, row: Row) -> list[tuple[str, Cell]]:
        amount_cols = [(k, c) for k, c in self.columns if k in AMOUNT_COLUMNS]
        if len(row.money) == len(amount_cols):
            return [(k, m) for (k, _), m in zip(amount_cols, row.money, strict=True)]
        pairs: list[tuple[str, Cell]] = []
        for kind, col in amount_cols:
            cell = _nearest(row.money, col)
            if cell is not None:
                pairs.append((kind, cell))
        return pairs


def _nearest(cells: list[Cell], col: Cell, slack: int = 3) -> Cell | None:
    """The cell overlapping the column most, or one within `slack` characters of it."""
    chosen: Cell | None = None
    score = -slack - 1
    for cell in cells:
        overlap = min(cell.end, col.end) - max(cell.start, col.start)
        if overlap > score:
            chosen, score = cell, overlap
    return chosen if score >= -slack else None


def _cells(line: str) -> list[Cell]:
    """The line's cells, split at two or more spaces, a tab or a bar, each trimmed."""
    cells: list[Cell] = []
    cursor = 0
    for sep in _CELL_SEPARATOR.finditer(line):
        _append_cell(line, cursor, sep.start(), cells)
        cursor = sep.end()
    _append_cell(line, cursor, len(line), cells)
    return cells


def _append_cell(line: str, start: int, end: int, cells: list[Cell]) -> None:
    text = line[start:end]
    stripped = text.strip()
    if stripped:
        offset = start + text.index(stripped)
        cells.append(Cell(offset, offset + len(stripped), stripped))


def _classify(text: str) -> str | None:
    for kind, pattern in _COLUMN_KINDS:
        if pattern.search(text):
            return kind
    return None


def _hint_lines(doc: Doc, hints: tuple[re.Pattern[str], ...]) -> list[tuple[int, int]]:
    """The distinct lines (start, end) holding any of `hints`, in letter order."""
    starts = {doc.line_start(m.start()) for hint in hints for m in anchored(hint, doc.lower)}
    return [(start, doc.line_end(start)) for start in sorted(starts)]


def find_tables(doc: Doc) -> list[Table]:
    """Every table in the letter, found from lines that mention amount column words."""
    tables: list[Table] = []
    last_line = -1
    for start, end in _hint_lines(doc, _HEADER_HINTS):
        if start <= last_line or len(tables) >= _MAX_TABLES:
            continue
        low = doc.lower[start:end]
        if sum(word in low for word in _HEADER_WORDS) < 2:
            continue  # a header names at least two amount or code columns
        table = _header(doc.text[start:end])
        if table is not None:
            _read_rows(doc, end + 1, table)
            if table.rows:
                tables.append(table)
                last_line = table.rows[-1].start
    return tables


def _header(line: str) -> Table | None:
    if _MONEY.search(line):
        return None
    cells = _cells(line)
    if len(cells) < 3:
        return None
    columns = [(kind, c) for c in cells if (kind := _classify(c.text)) is not None]
    kinds = [k for k, _ in columns]
    amount_count = sum(k in AMOUNT_COLUMNS for k in kinds)
    if amount_count >= 2 or (amount_count == 1 and "code" in kinds):
        return Table(columns)
    return None


def _read_rows(doc: Doc, pos: int, table: Table) -> None:
    text = doc.text
    for _ in range(_MAX_ROWS):
        if pos >= len(text):
            return
        end = doc.line_end(pos)
        line = text[pos:end]
        if not line.strip():
            return
        if not _SEPARATOR_LINE.fullmatch(line):
            cells = _cells(line)
            money = [Cell(m.start(), m.end(), m.group()) for m in _MONEY.finditer(line)]
            first = cells[0].text.lower() if cells else ""
            is_total = "total" in first and not _AMOUNT_LABEL.search(first)
            if cells and (is_total or not _AMOUNT_LABEL.search(first) or not money):
                table.rows.append(Row(pos, cells, money, is_total))
        pos = end + 1


# --- stacked label rows -------------------------------------------------------------------

_STACK_HINTS: Final = tuple(
    re.compile(w)
    for w in ("member id", "subscriber id", "recipient id", "claim", "dos", "tcn", "icn")
)
_LABEL_CELL: Final = re.compile(r"[A-Za-z][A-Za-z #./-]{0,24}")


@dataclass(frozen=True, slots=True)
class StackedValue:
    """A value printed under its label in the next line: "Member ID" over "61200498817"."""

    label: str
    start: int
    end: int


def find_stacked(doc: Doc) -> list[StackedValue]:
    """Label rows whose values sit in the line below, column by column."""
    found: list[StackedValue] = []
    for start, end in _hint_lines(doc, _STACK_HINTS):
        labels = _cells(doc.text[start:end])
        if len(labels) < 2 or not all(_LABEL_CELL.fullmatch(c.text) for c in labels):
            continue
        below = end + 1
        below_end = doc.line_end(below)
        values = _cells(doc.text[below:below_end])
        if not any(any(ch.isdigit() for ch in v.text) for v in values):
            continue
        for label in labels:
            cell = _nearest(values, label, slack=2)
            if cell is not None:
                found.append(StackedValue(label.text, below + cell.start, below + cell.end))
    return found
