"""Score the pipeline's output against the labelled evaluation set in `eval/letters/`.

Each letter `<NN>_<slug>.<txt|pdf|png|...>` has a golden label `<NN>_<slug>.json`: its route,
whether the denial is appealable, the 20 fact fields below (null = the letter does not state it,
so a produced value is *invented*; a list = any of these is acceptable, and a null in the list
means "not stated" is acceptable too), and the codes it contains per code type. A binary letter's
text lives in `eval/sources/<NN>_<slug>.txt` (the input of `eval/make_binary_letters.py`).

Labelling conventions: dates are ISO; `appeal_deadline` is set only when the letter states a date
or a window counted from its own date; CARCs are `GROUP-NUMBER` (`CO-197`), or the bare number when
the letter gives no group; codes are those of the letter's claim/service, not lookalikes (ZIP
codes, P.O. boxes, NPIs, modifiers, revenue codes, invalid ICD-looking strings).

This module only scores: running the pipeline over the set is the caller's job.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator
from rich.table import Table

from denialops.domain.facts import CaseFacts, CodeType, RouteName
from denialops.evaluation_llm import LLMSummary, summarise, table_rows
from denialops.pipeline.llm.trace import LLMRunInfo

FieldKind = Literal["text", "website", "phone", "date", "int", "money"]

FIELD_KINDS: dict[str, FieldKind] = {
    "payer.name": "text",
    "payer.plan_name": "text",
    "payer.plan_type": "text",
    "payer.member_id": "text",
    "payer.group_number": "text",
    "payer.claim_number": "text",
    "dates.date_of_denial": "date",
    "dates.date_of_service": "date",
    "dates.appeal_deadline": "date",
    "dates.appeal_window_days": "int",
    "amounts.billed_amount": "money",
    "amounts.allowed_amount": "money",
    "amounts.paid_amount": "money",
    "amounts.patient_responsibility": "money",
    "contact_info.phone": "phone",
    "contact_info.fax": "phone",
    "contact_info.email": "text",
    "contact_info.website": "website",
    "service.provider_name": "text",
    "service.provider_npi": "text",
}
FIELD_KEYS: tuple[str, ...] = tuple(FIELD_KINDS)
LETTER_SUFFIXES: tuple[str, ...] = (".txt", ".pdf", ".png", ".jpg", ".jpeg", ".docx")

Scalar = str | int | float | None
LabelValue = Scalar | list[Scalar]


class LabelError(ValueError):
    """A label file or the labelled set is malformed."""


class Label(BaseModel):
    """The ground truth for one letter (the `.json` beside it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    route: RouteName
    appealable: bool
    fields: dict[str, LabelValue]
    codes: dict[CodeType, list[str]]
    notes: str = ""

    @model_validator(mode="after")
    def _well_formed(self) -> Label:
        if set(self.fields) != set(FIELD_KEYS):
            missing, extra = set(FIELD_KEYS) - set(self.fields), set(self.fields) - set(FIELD_KEYS)
            raise ValueError(f"fields: missing {sorted(missing)}, unexpected {sorted(extra)}")
        if set(self.codes) != set(CodeType):
            raise ValueError(f"codes must have exactly the keys {[t.value for t in CodeType]}")
        for key, value in self.fields.items():
            for alt in alternatives(value):
                if alt is not None and not _kind_ok(FIELD_KINDS[key], alt):
                    raise ValueError(f"{key}: {alt!r} is not a valid {FIELD_KINDS[key]} value")
        for code_type, codes in self.codes.items():
            for code in codes:
                if not code or code != code.strip().upper() or " " in code:
                    raise ValueError(f"codes.{code_type.value}: {code!r} is not a normalised code")
        return self


def alternatives(value: LabelValue) -> list[Scalar]:
    """A label value as its list of acceptable values."""
    if isinstance(value, list):
        if not value:
            raise ValueError("an empty list of alternatives accepts nothing")
        return value
    return [value]


def _kind_ok(kind: FieldKind, value: str | int | float) -> bool:
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "money":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if not isinstance(value, str) or not value.strip():
        return False
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat() == value
        except ValueError:
            return False
    return True


@dataclass(frozen=True)
class LabelledLetter:
    """A letter file and its label; `text_source` is the `.txt` holding its text (the letter
    itself, or its `eval/sources/` source for a binary letter; None if there is none)."""

    path: Path
    label: Label
    text_source: Path | None

    @property
    def id(self) -> str:
        return self.label.id


def load_labelled_set(directory: Path, sources: Path | None = None) -> list[LabelledLetter]:
    """Every `<stem>.json` label in `directory` with its letter, sorted by name.

    `sources` (default: `directory/../sources`) holds the text of binary letters."""
    sources = sources if sources is not None else directory.parent / "sources"
    letters = []
    for label_path in sorted(directory.glob("*.json")):
        try:
            label = Label.model_validate_json(label_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise LabelError(f"{label_path.name}: {exc}") from exc
        stem = label_path.stem
        if label.id != stem:
            raise LabelError(f"{label_path.name}: id {label.id!r} does not match the file name")
        found = [p for s in LETTER_SUFFIXES if (p := directory / f"{stem}{s}").exists()]
        if len(found) != 1:
            raise LabelError(f"{label_path.name}: expected one letter file, found {len(found)}")
        letter = found[0]
        source = letter if letter.suffix == ".txt" else sources / f"{stem}.txt"
        letters.append(LabelledLetter(letter, label, source if source.exists() else None))
    return letters


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


# --- normalisation ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = " .,;:!?'\"`()[]{}<>-_/\\|*#~\u2013\u2014\u2018\u2019\u201c\u201d"
_CARC = re.compile(r"(CO|PR|OA|PI|CR)\s*[-\u2013:]?\s*([A-Z]?\d{1,3}|[A-Z]\d?)")


def normalise(kind: FieldKind, value: object) -> str | int | Decimal | None:
    """A comparable form of a field value; None for "not stated" (None or blank)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "money":
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return str(value).strip()
    if kind == "int":
        return value if isinstance(value, int) else str(value).strip()
    text = _SPACES.sub(" ", str(value).casefold()).strip(_EDGE_PUNCT)
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return text
    if kind == "website":
        return re.sub(r"^(https?://)?(www\.)?", "", text).rstrip("/")
    return text


def field_matches(key: str, expected: LabelValue, produced: object) -> bool:
    """Whether a produced value is one of the label's acceptable values for `key`."""
    kind = FIELD_KINDS[key]
    got = normalise(kind, produced)
    return any(
        (alt is None and got is None)
        or (alt is not None and got is not None and normalise(kind, alt) == got)
        for alt in alternatives(expected)
    )


def normalise_code(code_type: CodeType, code: str, group: str | None = None) -> str:
    """A comparable code: CARCs as `GROUP-NUMBER` (a bare number stays bare unless `group` is
    given), ICD-10-CM without the dot, everything upper case without spaces."""
    text = _SPACES.sub("", code.upper())
    if code_type == CodeType.CARC:
        match = _CARC.fullmatch(code.upper().strip())
        if match:
            return f"{match.group(1)}-{match.group(2)}"
        if group:
            return f"{group.strip().upper()}-{text}"
    if code_type == CodeType.ICD10CM:
        return text.replace(".", "")
    return text


def produced_codes(facts: CaseFacts) -> dict[CodeType, set[str]]:
    """Every code the pipeline reported, per type: `denial_codes` and the service's code lists."""
    found: dict[CodeType, set[str]] = {t: set() for t in CodeType}
    for code in facts.denial_codes:
        found[code.code_type].add(normalise_code(code.code_type, code.code, code.group))
    for code_type, codes in (
        (CodeType.CPT, facts.service.cpt_codes),
        (CodeType.HCPCS, facts.service.hcpcs_codes),
        (CodeType.ICD10CM, facts.service.diagnosis_codes),
    ):
        found[code_type].update(normalise_code(code_type, c) for c in codes)
    return found


def field_value(facts: CaseFacts, key: str) -> object:
    section, name = key.split(".")
    return getattr(getattr(facts, section), name)


# --- the report ---------------------------------------------------------------------------------


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
