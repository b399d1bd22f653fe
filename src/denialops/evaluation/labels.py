"""The labelled evaluation set: what a golden label holds, and loading `eval/letters/`.

A label (`<NN>_<slug>.json`, beside its letter) gives the letter's route, whether the denial is
appealable, the 20 fact fields of `FIELD_KINDS` (null = not stated; a list = any of these is
acceptable) and the codes it contains per code type. `load_labelled_set` pairs every label with
its letter file and, for a binary letter, the `eval/sources/` text it was made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from denialops.domain.facts import CodeType, RouteName

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
