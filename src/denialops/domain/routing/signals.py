"""Signals from the structured inputs: the letter's CARC/RARC codes and the plan's rules.

Each signal travels with the reasoning line that explains it, so `route.json` names every
number that went into the decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pydantic import ValidationError

from denialops.domain.codes import (
    CodeInfo,
    CodeKind,
    lookup,
    normalize_rarc,
    route_hints,
    split_carc,
)
from denialops.domain.facts import CodeType, DenialCode, Evidence, RouteName, Signal

PLAN_RULE_WEIGHT: Final = 1.0
PLAN_RULE_MAX_WEIGHT: Final = 2.0
_PLAN_TEXT_CHARS: Final = 160


@dataclass(frozen=True, slots=True)
class Scored:
    """A signal and the human-readable line that explains it."""

    signal: Signal
    line: str


@dataclass(slots=True)
class Findings:
    """What one source of signals contributed."""

    scored: list[Scored] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # reasoning with no weight attached
    notes: list[str] = field(default_factory=list)
    route_codes: int = 0  # codes that carried route weight
    denial_carcs: int = 0  # CARCs that carried route weight: the claim was adjudicated
    non_denial_codes: int = 0  # cost sharing and pricing adjustments
    not_appealable: bool = False
    injection: bool = False


def fmt_weight(weight: float) -> str:
    """`+3.0`, `+0.25`, and negatives with a true minus sign (U+2212)."""
    digits = f"{abs(weight):.2f}"
    if digits.endswith("0"):
        digits = digits[:-1]
    return ("+" if weight >= 0 else "\u2212") + digits


def code_findings(codes: list[DenialCode]) -> Findings:
    """Signals from CARCs and RARCs; each distinct code counts once."""
    found = Findings()
    seen: set[tuple[CodeType, str]] = set()
    # a code with its group first, so "CO-50" is kept over a bare "50" elsewhere in the letter
    for code in sorted(codes, key=lambda c: not (c.group or "-" in c.code)):
        if code.code_type not in (CodeType.CARC, CodeType.RARC):
            continue
        label = _label(code)
        key = (code.code_type, label.rsplit("-", 1)[-1])
        if key in seen:
            continue
        seen.add(key)
        _add_code(found, code, label)
    return found


def plan_rule_findings(rules: list[dict[str, Any]]) -> Findings:
    """Signals from plan rules: `{"text", "route_hint"}`, optional `weight` (default 1.0,
    clamped to ±2.0) and `evidence` (an `Evidence` or its dict)."""
    found = Findings()
    for rule in rules:
        route = _rule_route(rule)
        if route is None:
            found.notes.append("a plan rule with no known route hint was ignored")
            continue
        text = " ".join(str(rule.get("text", "")).split())[:_PLAN_TEXT_CHARS]
        weight = _rule_weight(rule.get("weight"))
        signal = Signal(
            kind="plan_rule",
            value=text,
            route=route,
            weight=weight,
            evidence=_rule_evidence(rule.get("evidence")),
        )
        line = f"plan rule '{text}' \u2192 {route.value} {fmt_weight(weight)}"
        found.scored.append(Scored(signal, line))
    return found


def _add_code(found: Findings, code: DenialCode, label: str) -> None:
    kind = "carc" if code.code_type is CodeType.CARC else "rarc"
    info = lookup(code.code_type, code.code)
    if info is None:
        found.lines.append(f"{kind.upper()} {label} is not in our code table: no weight")
        return
    if info.kind in (CodeKind.COST_SHARING, CodeKind.ADJUSTMENT):
        found.non_denial_codes += 1
        what = (
            "patient cost sharing" if info.kind is CodeKind.COST_SHARING else "a pricing adjustment"
        )
        found.lines.append(
            f"{kind.upper()} {label} ({info.description}) \u2192 {what}, not a denial"
        )
        found.notes.append(f"{label}: {what} ({info.description}), not a denial")
    if not info.appealable:
        found.not_appealable = True
        found.notes.append(f"{label}: fix and resubmit; no appeal ({info.description})")
    hints = route_hints(code.code_type, code.code, code.group)
    if not hints and info.kind is CodeKind.INFO:
        found.lines.append(f"{kind.upper()} {label} ({info.description}): informational, no weight")
    for hint in hints:
        signal = Signal(
            kind=kind, value=label, route=hint.route, weight=hint.weight, evidence=code.evidence
        )
        found.scored.append(Scored(signal, _code_line(kind, label, info, hint.route, hint.weight)))
    found.route_codes += 1 if hints else 0
    found.denial_carcs += 1 if hints and code.code_type is CodeType.CARC else 0


def _code_line(kind: str, label: str, info: CodeInfo, route: RouteName, weight: float) -> str:
    return f"{kind.upper()} {label} ({info.description}) \u2192 {route.value} {fmt_weight(weight)}"


def _label(code: DenialCode) -> str:
    if code.code_type is CodeType.RARC:
        return normalize_rarc(code.code)
    group, number = split_carc(code.code)
    group = (code.group or group or "").strip().upper()
    return f"{group}-{number}" if group else number


def _rule_route(rule: Mapping[str, Any]) -> RouteName | None:
    try:
        return RouteName(str(rule.get("route_hint", "")).strip())
    except ValueError:
        return None


def _rule_weight(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return PLAN_RULE_WEIGHT
    return max(-PLAN_RULE_MAX_WEIGHT, min(PLAN_RULE_MAX_WEIGHT, float(raw)))


def _rule_evidence(raw: object) -> Evidence | None:
    if isinstance(raw, Evidence):
        return raw
    if isinstance(raw, Mapping):
        try:
            return Evidence.model_validate(raw)
        except ValidationError:
            return None
    return None
