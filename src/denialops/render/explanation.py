"""The plain-language explanation without a model, and cutting text into sentences.

`deterministic_explanation(plan)` is what `POST /cases/{id}/explain` streams when no language
model is configured, or when it fails before saying anything: the plan's own account of what
happened and what to do, which the plan stage built from the facts alone.

`SentenceSplitter` cuts text arriving in pieces (a model's stream) into whole sentences, so
each can be checked before it is sent on, and so the deterministic text streams sentence by
sentence too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from denialops.domain.plan import ActionPlan

#: A sentence ends at ., ! or ? (closing quotes or brackets may follow) before whitespace and
#: a capital or an opening quote; a blank line ends a paragraph. "Jan. 5" and "$1,840.00" are
#: not sentence ends: a digit or lower-case word follows.
_BOUNDARY: Final = re.compile(r"(?<=[.!?])[\"')\]]*[ \t]+(?=[A-Z\"'(\[])|\n[ \t]*\n\s*|\n(?=\s*\S)")
#: A sentence longer than this is sent on as it is rather than held back for ever.
MAX_SENTENCE_CHARS: Final = 800


@dataclass(frozen=True)
class Sentence:
    """One sentence; `paragraph_end` when a paragraph break follows it."""

    text: str
    paragraph_end: bool = False

    @property
    def wire_text(self) -> str:
        """The sentence as streamed: followed by a space, or a blank line at a paragraph end."""
        return self.text + ("\n\n" if self.paragraph_end else " ")


class SentenceSplitter:
    """Feed text in pieces; get back every sentence completed so far."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, piece: str) -> list[Sentence]:
        self._pending += piece
        done: list[Sentence] = []
        while True:
            m = _BOUNDARY.search(self._pending)
            if m is None:
                break
            head, self._pending = self._pending[: m.start()], self._pending[m.end() :]
            paragraph_end = "\n\n" in re.sub(r"[ \t]", "", m.group())
            if head.strip():
                done.append(Sentence(head.strip(), paragraph_end))
        if len(self._pending) > MAX_SENTENCE_CHARS:
            done.append(Sentence(self._pending.strip()))
            self._pending = ""
        return done

    def flush(self) -> list[Sentence]:
        """The rest, at the end of the text."""
        rest, self._pending = self._pending.strip(), ""
        return [Sentence(rest, paragraph_end=True)] if rest else []


def sentences(text: str) -> Iterator[Sentence]:
    """`text` as sentences."""
    splitter = SentenceSplitter()
    yield from splitter.feed(text)
    yield from splitter.flush()


def deterministic_explanation(plan: ActionPlan) -> str:
    """What happened and what to do, in the plan's own words (two paragraphs)."""
    return f"{plan.situation}\n\n{plan.recommendation}"
