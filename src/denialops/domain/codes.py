"""Our own CARC/RARC table: what a code means in plain English and which route it suggests.

Claim Adjustment Reason Codes (CARCs) say why a claim line was paid differently than billed;
they come with a group code (`CO`, `PR`, `OA`, `PI`, `CR`) saying who carries the amount.
Remittance Advice Remark Codes (RARCs) add detail to a CARC. The table itself lives in
`codes_data`; this module normalises codes and answers questions about them. Pure, no I/O.

A code's route hints are only one signal for routing: the letter's own words weigh in too
(PRODUCT.md §2, "A code alone does not decide").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from denialops.domain.codes_data import (
    ADJUSTMENT_CARCS,
    CARCS,
    COST_SHARING_CARCS,
    NOT_APPEALABLE_RARCS,
    RARCS,
    Entry,
)
from denialops.domain.facts import CodeType, RouteName

__all__ = [
    "CARC_GROUPS",
    "CodeInfo",
    "CodeKind",
    "RouteHint",
    "describe",
    "is_known_carc",
    "is_known_rarc",
    "lookup",
    "normalize_rarc",
    "route_hints",
    "split_carc",
]

CARC_GROUPS: Final[dict[str, str]] = {
    "CO": "contractual obligation: the provider's contract says the provider absorbs this "
    "amount, so the patient should not be billed for it",
    "PR": "patient responsibility: the patient may be billed for this amount",
    "OA": "other adjustment: neither the contract nor the patient's share explains it",
    "PI": "payer-initiated reduction: the payer cut the amount for its own reasons, outside "
    "the contract",
    "CR": "correction or reversal of an earlier processed claim",
}

#: How much a code's route hints count under each group. A correction/reversal line mostly
#: restates an earlier decision, so it counts for less.
GROUP_FACTOR: Final[dict[str, float]] = {"CO": 1.0, "PR": 1.0, "OA": 1.0, "PI": 1.0, "CR": 0.5}

_CARC_RE: Final = re.compile(
    r"^\s*(?:(?P<group>CO|PR|OA|PI|CR)\s*[-\s:]?\s*)?(?P<number>[A-Z]?\d{1,4}|[A-Z]\d?)\s*$",
    re.IGNORECASE,
)
_RARC_RE: Final = re.compile(r"^\s*(?P<code>(?:M|N|MA)\d{1,3})\s*$", re.IGNORECASE)


class CodeKind(StrEnum):
    """What a code means for the case as a whole."""

    DENIAL = "denial"  # a reason the claim (or line) was not paid
    COST_SHARING = "cost_sharing"  # deductible, coinsurance, copay: not a denial
    ADJUSTMENT = "adjustment"  # routine pricing adjustment: not a denial
    INFO = "info"  # a remark that adds detail or a notice, not a reason by itself


@dataclass(frozen=True, slots=True)
class RouteHint:
    """A route a code points at, and how strongly (3.0 firm, 2.0 usual, 1.0 secondary)."""

    route: RouteName
    weight: float


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """Everything the table knows about one code."""

    code_type: CodeType
    code: str
    description: str
    kind: CodeKind
    hints: tuple[RouteHint, ...] = ()
    appealable: bool = True


def split_carc(code: str) -> tuple[str | None, str]:
    """`"CO-197"` → `("CO", "197")`, `"197"` → `(None, "197")`, `"pr 1"` → `("PR", "1")`.

    Anything that does not look like a CARC comes back stripped and upper-cased with no group.
    """
    m = _CARC_RE.match(code)
    if m is None:
        return None, code.strip().upper()
    group = m.group("group")
    number = m.group("number").upper()
    if number.isdigit():
        number = str(int(number))  # "0197" → "197"
    return (group.upper() if group else None), number


def normalize_rarc(code: str) -> str:
    """`" n30 "` → `"N30"`; also drops a stray `RARC` prefix."""
    cleaned = code.strip().upper()
    if cleaned.startswith("RARC"):
        cleaned = cleaned[4:].lstrip(" :-")
    m = _RARC_RE.match(cleaned)
    return m.group("code").upper() if m else cleaned


def is_known_carc(number: str) -> bool:
    """Whether our table has this CARC (bare `"197"`, or with a group `"CO-197"`)."""
    return split_carc(number)[1] in CARCS


def is_known_rarc(code: str) -> bool:
    """Whether our table has this RARC (`"N30"`, `"MA130"`)."""
    return normalize_rarc(code) in RARCS


def describe(code_type: CodeType, code: str) -> str | None:
    """Our plain-English description of a CARC or RARC, or None when it is not in the table."""
    info = lookup(code_type, code)
    return info.description if info else None


def lookup(code_type: CodeType, code: str) -> CodeInfo | None:
    """The table entry for a CARC (any group prefix is ignored) or RARC, else None."""
    if code_type is CodeType.CARC:
        number = split_carc(code)[1]
        entry = CARCS.get(number)
        return _info(code_type, number, entry, _carc_kind(number)) if entry else None
    if code_type is CodeType.RARC:
        rarc = normalize_rarc(code)
        entry = RARCS.get(rarc)
        if entry is None:
            return None
        kind = CodeKind.DENIAL if entry[1] else CodeKind.INFO
        return _info(code_type, rarc, entry, kind, appealable=rarc not in NOT_APPEALABLE_RARCS)
    return None


def route_hints(code_type: CodeType, code: str, group: str | None = None) -> tuple[RouteHint, ...]:
    """The code's route hints with the group factor applied (`CR` lines count half).

    `group` overrides a group prefix inside `code`. Unknown codes have no hints.
    """
    info = lookup(code_type, code)
    if info is None:
        return ()
    if code_type is CodeType.CARC:
        group = (group or split_carc(code)[0] or "").upper()
    factor = GROUP_FACTOR.get(group or "", 1.0)
    return tuple(RouteHint(h.route, round(h.weight * factor, 3)) for h in info.hints)


def _carc_kind(number: str) -> CodeKind:
    if number in COST_SHARING_CARCS:
        return CodeKind.COST_SHARING
    if number in ADJUSTMENT_CARCS:
        return CodeKind.ADJUSTMENT
    return CodeKind.DENIAL if CARCS[number][1] else CodeKind.INFO


def _info(
    code_type: CodeType, code: str, entry: Entry, kind: CodeKind, *, appealable: bool = True
) -> CodeInfo:
    description, hints = entry
    return CodeInfo(
        code_type=code_type,
        code=code,
        description=description,
        kind=kind,
        hints=tuple(RouteHint(route, weight) for route, weight in hints),
        appealable=appealable,
    )
