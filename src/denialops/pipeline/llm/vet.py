"""Checking a paragraph the model wrote before any document uses it.

A paragraph is kept only when:
- every code, date, amount, phone number, identifier and citation in it is grounded in the
  facts or the plan (the grounding validator, `check_text`, against the run's `GroundTruth`);
- it carries no instruction-like text ("ignore previous instructions …", "you are an AI …"):
  the reader's own detector (`Doc`, which blanks such lines in letters) is asked;
- it holds no placeholder (`[[MEMBER_ID_1]]` that was never restored, template braces, our
  delimiters).
A paragraph is tidied to one line of prose first: Markdown structure (headings, quotes,
lists, rules) is the templates' business, not the model's. Anything dropped is reported by
kind only; its text is never logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from denialops.domain.facts import ExtractedText, PageText
from denialops.domain.grounding import GroundTruth, check_text
from denialops.pipeline.facts.document import Doc
from denialops.pipeline.llm.trace import RejectionKind

#: Longer than any paragraph we ask for; a runaway answer is not a paragraph.
MAX_PARAGRAPH_CHARS: Final = 1500
_LEADING_MARKUP: Final = re.compile(r"^(?:[#>*+\-=_`|]+\s*|\d+[.)]\s+)+")
_PLACEHOLDER: Final = re.compile(r"\[\[|\]\]|\{\{|\}\}|\{%|%\}|<\s*/?\s*(?:letter|facts)\b", re.I)


def tidy(text: str) -> str:
    """One line of prose: whitespace collapsed, leading Markdown markers removed."""
    return _LEADING_MARKUP.sub("", " ".join(text.split())).strip()


def carries_instructions(text: str) -> bool:
    """Whether the reader would blank part of `text` as an instruction to a machine."""
    page = PageText(number=1, text=text)
    masked = Doc(ExtractedText(source_type="text/plain", pages=[page])).text
    # Blanking replaces characters with spaces; folding keeps non-space characters non-space.
    return len("".join(masked.split())) != len("".join(text.split()))


@dataclass(frozen=True)
class Verdict:
    """A paragraph as it would be used, or why it is not."""

    text: str
    rejected: RejectionKind | None = None


class ParagraphVetter:
    """Judges model-written paragraphs against one case's ground truth."""

    def __init__(self, truth: GroundTruth) -> None:
        self.truth = truth

    def judge(self, paragraph: str) -> Verdict:
        text = tidy(paragraph)
        if len(text) > MAX_PARAGRAPH_CHARS:
            return Verdict(text, "malformed")
        if _PLACEHOLDER.search(text):
            return Verdict(text, "placeholder")
        if carries_instructions(text):
            return Verdict(text, "instruction")
        if not check_text("llm_paragraph.md", text, self.truth).ok:
            return Verdict(text, "ungrounded")
        return Verdict(text)
