"""Scoring pipeline results against their labels: the report, its thresholds, and its table.

`score` compares each `LetterResult` with its label (route, appealability, fields, codes,
hallucinations in generated documents) and aggregates an `EvalReport`; `EvalReport.failures`
says which `Thresholds` it misses, and `render_table` shows it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, computed_field
from rich.table import Table

from denialops.domain.facts import CaseFacts, CodeType, RouteName
from denialops.evaluation.labels import FIELD_KEYS, Label, alternatives
from denialops.evaluation.llm import LLMSummary, summarise, table_rows
from denialops.evaluation.matching import (
    field_matches,
    field_value,
    normalise_code,
    produced_codes,
)
from denialops.pipeline.llm.trace import LLMRunInfo


@dataclass(frozen=True)
class LetterResult:
    """What the pipeline produced for one labelled letter. `error` set = the run failed."""

    label: Label
    facts: CaseFacts | None
    route: RouteName | None
    error: str | None = None
    seconds: float = 0.0
    appealable: bool | None = None
    # Values in generated documents not traceable to the facts (grounding violations, counted
    # before the validator withholds the documents that carry them). None: not checked.
    hallucinations: int | None = None
    # What the language model did for this letter (None: the run did not report it).
    llm: LLMRunInfo | None = None


class CodeScore(BaseModel):
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        produced = self.true_positives + self.false_positives
        return self.true_positives / produced if produced else 1.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        labelled = self.true_positives + self.false_negatives
        return self.true_positives / labelled if labelled else 1.0


MismatchKind = Literal[
    "error",
    "route",
    "appealable",
    "field",
    "invented",
    "code_missing",
    "code_extra",
    "hallucination",
]


class Mismatch(BaseModel):
    """One difference between a label and a result, for debugging."""

    letter_id: str
    kind: MismatchKind
    key: str
    expected: str
    produced: str


class Thresholds(BaseModel):
    route_accuracy: float = 0.95
    field_accuracy: float = 0.95
    code_precision: float = 0.97
    code_recall: float = 0.97
    max_invented: int = 0
    max_failed: int = 0
    max_hallucinations: int = 0


class EvalReport(BaseModel):
    letters: int = 0
    failed: int = 0
    hallucinations: int = 0
    documents_checked: int = 0
    route_correct: int = 0
    fields_correct: int = 0
    fields_total: int = 0
    invented: int = 0
    appealable_correct: int = 0
    appealable_scored: int = 0
    per_field_correct: dict[str, int] = Field(default_factory=dict)
    # route -> (correct, letters)
    per_route: dict[str, tuple[int, int]] = Field(default_factory=dict)
    codes: dict[str, CodeScore] = Field(default_factory=dict)
    seconds_mean: float = 0.0
    seconds_p50: float = 0.0
    seconds_max: float = 0.0
    mismatches: list[Mismatch] = Field(default_factory=list)
    # The language model's part (None when the runs had none configured).
    llm: LLMSummary | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def route_accuracy(self) -> float:
        return self.route_correct / self.letters if self.letters else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def field_accuracy(self) -> float:
        return self.fields_correct / self.fields_total if self.fields_total else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def appealable_accuracy(self) -> float | None:
        if not self.appealable_scored:
            return None
        return self.appealable_correct / self.appealable_scored

    def failures(self, thresholds: Thresholds | None = None) -> list[str]:
        """Why the report misses the thresholds (empty: it passes)."""
        t = thresholds or Thresholds()
        reasons = []
        if self.letters == 0:
            reasons.append("no letters were scored")
        if self.failed > t.max_failed:
            reasons.append(f"{self.failed} letters failed (max {t.max_failed})")
        if self.hallucinations > t.max_hallucinations:
            reasons.append(
                f"{self.hallucinations} hallucinated values in documents "
                f"(max {t.max_hallucinations})"
            )
        if self.route_accuracy < t.route_accuracy:
            reasons.append(f"route accuracy {self.route_accuracy:.3f} < {t.route_accuracy}")
        if self.field_accuracy < t.field_accuracy:
            reasons.append(f"field accuracy {self.field_accuracy:.3f} < {t.field_accuracy}")
        if self.invented > t.max_invented:
            reasons.append(f"{self.invented} invented values (max {t.max_invented})")
        for name, score in self.codes.items():
            if score.precision < t.code_precision:
                reasons.append(f"{name} precision {score.precision:.3f} < {t.code_precision}")
            if score.recall < t.code_recall:
                reasons.append(f"{name} recall {score.recall:.3f} < {t.code_recall}")
        return reasons

    def passed(self, thresholds: Thresholds | None = None) -> bool:
        return not self.failures(thresholds)


def score(results: list[LetterResult]) -> EvalReport:
    """Compare every result with its label and aggregate."""
    report = EvalReport(letters=len(results))
    report.per_field_correct = dict.fromkeys(FIELD_KEYS, 0)
    report.codes = {t.value: CodeScore() for t in CodeType}
    per_route: dict[str, list[int]] = {}
    for result in results:
        _score_one(result, report, per_route.setdefault(result.label.route.value, [0, 0]))
    report.per_route = {route: (c, n) for route, (c, n) in sorted(per_route.items())}
    report.llm = summarise(r.llm for r in results)
    seconds = [r.seconds for r in results]
    if seconds:
        report.seconds_mean = statistics.fmean(seconds)
        report.seconds_p50 = statistics.median(seconds)
        report.seconds_max = max(seconds)
    return report


def _score_one(result: LetterResult, report: EvalReport, route_tally: list[int]) -> None:
    label = result.label
    facts = None if result.error is not None else result.facts

    def miss(kind: MismatchKind, key: str, expected: object, produced: object) -> None:
        fields = {"expected": str(expected), "produced": str(produced)}
        report.mismatches.append(Mismatch(letter_id=label.id, kind=kind, key=key, **fields))

    route_tally[1] += 1
    report.fields_total += len(FIELD_KEYS)
    if facts is None:
        report.failed += 1
        miss("error", "run", "a result", result.error or "no facts")
    elif result.route == label.route:
        report.route_correct += 1
        route_tally[0] += 1
    else:
        miss("route", "route", label.route.value, result.route)
    if result.hallucinations is not None:
        report.hallucinations += result.hallucinations
        report.documents_checked += 1
        if result.hallucinations:
            miss("hallucination", "documents", 0, result.hallucinations)
    if facts is not None and result.appealable is not None:
        report.appealable_scored += 1
        if result.appealable == label.appealable:
            report.appealable_correct += 1
        else:
            miss("appealable", "appealable", label.appealable, result.appealable)
    for key in FIELD_KEYS:
        if facts is None:
            break
        expected, produced = label.fields[key], field_value(facts, key)
        if field_matches(key, expected, produced):
            report.fields_correct += 1
            report.per_field_correct[key] += 1
            continue
        invented = None in alternatives(expected) and produced is not None
        report.invented += int(invented)
        miss("invented" if invented else "field", key, expected, produced)
    found = produced_codes(facts) if facts is not None else {t: set() for t in CodeType}
    for code_type in CodeType:
        wanted = {normalise_code(code_type, c): c for c in label.codes[code_type]}
        tally = report.codes[code_type.value]
        missing, extra = wanted.keys() - found[code_type], found[code_type] - wanted.keys()
        tally.true_positives += len(found[code_type] & wanted.keys())
        tally.false_negatives += len(missing)
        tally.false_positives += len(extra)
        for code in sorted(missing) if facts is not None else ():
            miss("code_missing", code_type.value, wanted[code], "")
        for code in sorted(extra):
            miss("code_extra", code_type.value, "", code)


def render_table(report: EvalReport, thresholds: Thresholds | None = None) -> Table:
    """The report as a rich table: metric, value, threshold, pass/fail."""
    t = thresholds or Thresholds()

    def gate(metric: str, value: float, op: str, limit: float) -> tuple[str, str, str, str]:
        ok = value >= limit if op == ">=" else value <= limit
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        return metric, shown, f"{op} {limit}", "yes" if ok else "NO"

    rows = [
        gate("failed letters", report.failed, "<=", t.max_failed),
        gate("route accuracy", report.route_accuracy, ">=", t.route_accuracy),
        gate("field accuracy", report.field_accuracy, ">=", t.field_accuracy),
        gate("invented values", report.invented, "<=", t.max_invented),
    ]
    if report.documents_checked:
        rows.append(
            gate("hallucinations in documents", report.hallucinations, "<=", t.max_hallucinations)
        )
    if report.appealable_accuracy is not None:
        rows.append(("appealable accuracy", f"{report.appealable_accuracy:.3f}", "", ""))
    for name, s in report.codes.items():
        rows.append(gate(f"{name} precision", s.precision, ">=", t.code_precision))
        rows.append(gate(f"{name} recall", s.recall, ">=", t.code_recall))
    rows += [(f"route {r}", f"{c}/{n}", "", "") for r, (c, n) in report.per_route.items()]
    if report.llm is not None:
        rows += table_rows(report.llm)
    timing = f"{report.seconds_mean:.2f} / {report.seconds_p50:.2f} / {report.seconds_max:.2f}"
    rows.append(("seconds per letter (mean / p50 / max)", timing, "", ""))

    table = Table(title=f"DenialOps evaluation: {report.letters} letters")
    table.add_column("metric")
    for column in ("value", "threshold", "ok"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    return table
