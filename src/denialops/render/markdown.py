"""The Markdown subset the document templates write, read back as blocks for PDF and DOCX.

Not a general Markdown parser: it reads what `templates/documents/` produce — `#` headings,
paragraphs (a line ending in `\\` is a hard line break), `- ` bullets, `- [ ] ` checklist items,
`1. ` numbered items, `> ` quotes, `---` rules, and `**bold**` inside any of them. Anything
else is kept as paragraph text, so nothing a document says is ever dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Block", "BlockKind", "parse", "plain", "spans"]

BlockKind = Literal["heading", "paragraph", "bullet", "check", "number", "quote", "rule"]


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a document. `text` may hold `\\n` (hard breaks) and `**bold**` markers;
    `level` is a heading's level (1 to 6) or a numbered item's number."""

    kind: BlockKind
    text: str = ""
    level: int = 0


_HEADING: Final = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_CHECK: Final = re.compile(r"^[-*+][ \t]+\[[ xX]?\][ \t]+(.*)$")
_BULLET: Final = re.compile(r"^[-*+][ \t]+(.*)$")
_NUMBER: Final = re.compile(r"^(\d{1,3})[.)][ \t]+(.*)$")
_QUOTE: Final = re.compile(r"^>[ \t]?(.*)$")
_RULE: Final = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})[ \t]*$")
_CONTINUATION: Final = re.compile(r"^[ \t]{2,}\S")


def parse(markdown: str) -> list[Block]:
    """The blocks of `markdown`, in order."""
    blocks: list[Block] = []
    lines: list[str] = []  # the paragraph being read

    def flush() -> None:
        if lines:
            blocks.append(Block("paragraph", _join(lines)))
            lines.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        if _CONTINUATION.match(line) and not lines and blocks and _is_item(blocks[-1]):
            last = blocks[-1]  # an indented line continues the list item above it
            blocks[-1] = Block(last.kind, f"{last.text} {line.strip()}", last.level)
            continue
        block = _block(line)
        if block is None:
            lines.append(line)
            continue
        flush()
        if block.kind == "quote" and blocks and blocks[-1].kind == "quote":
            blocks[-1] = Block("quote", _join([blocks[-1].text, block.text]))
        else:
            blocks.append(block)
    flush()
    return blocks


def spans(text: str) -> list[tuple[str, bool]]:
    """`"a **b** c"` → `[("a ", False), ("b", True), (" c", False)]`; an unpaired `**` is
    kept as text."""
    parts = text.split("**")
    if len(parts) % 2 == 0:  # odd number of markers: leave the last one as written
        parts[-2:] = [parts[-2] + "**" + parts[-1]]
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def plain(text: str) -> str:
    """`text` without bold markers."""
    return "".join(part for part, _ in spans(text))


def _block(line: str) -> Block | None:
    if m := _HEADING.match(line):
        return Block("heading", m.group(2), len(m.group(1)))
    if _RULE.match(line):
        return Block("rule")
    if m := _CHECK.match(line):
        return Block("check", m.group(1))
    if m := _BULLET.match(line):
        return Block("bullet", m.group(1))
    if m := _NUMBER.match(line):
        return Block("number", m.group(2), int(m.group(1)))
    if m := _QUOTE.match(line):
        return Block("quote", m.group(1))
    return None


def _is_item(block: Block) -> bool:
    return block.kind in ("bullet", "check", "number")


def _join(lines: list[str]) -> str:
    """Paragraph lines joined: a trailing backslash is a hard break, else a space."""
    out = ""
    for i, line in enumerate(lines):
        text = line.strip()
        hard = text.endswith("\\")
        out += text[:-1].rstrip() if hard else text
        if i < len(lines) - 1:
            out += "\n" if hard else " "
    return out
