"""A candidate value with where it was read and how much we trust where it came from.

Extractors collect candidates (`Found`) and keep the best: the lowest `rank` (an explicit
label beats a narrative phrase beats a fallback), then the earliest in the letter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Found(Generic[T]):
    """A value and the span of `Doc.text` it was read from; lower `rank` is more trusted."""

    value: T
    start: int
    end: int
    rank: int = 0


def best(candidates: Iterable[Found[T]]) -> Found[T] | None:
    """The most trusted candidate (lowest rank, then earliest), or None."""
    chosen: Found[T] | None = None
    for c in candidates:
        if chosen is None or (c.rank, c.start) < (chosen.rank, chosen.start):
            chosen = c
    return chosen


def words(text: str) -> tuple[str, ...]:
    """A vocabulary written as one space-separated string, to keep long word lists compact."""
    return tuple(text.split())


def phrases(text: str) -> tuple[str, ...]:
    """A vocabulary of multi-word phrases written as one "|"-separated string."""
    return tuple(p.strip() for p in text.split("|"))
