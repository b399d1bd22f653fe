"""The labelled evaluation set itself (`eval/letters/`): complete, varied, and true to its
letters."""

from __future__ import annotations

import importlib.util
import re
import warnings
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdf
import pytest
from PIL import Image

from denialops.domain.facts import CodeType, RouteName
from denialops.evaluation import (
    FIELD_KEYS,
    FIELD_KINDS,
    LabelledLetter,
    alternatives,
    load_labelled_set,
    score,
)

from .label_helpers import result

with warnings.catch_warnings():  # it loads its data through a deprecated importlib API
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm

REPO = Path(__file__).resolve().parents[2]
LETTERS = REPO / "eval" / "letters"
MAX_BINARY_BYTES = 400_000
PHONE = re.compile(r"(?<!\d)(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")


@pytest.fixture(scope="module")
def labelled() -> list[LabelledLetter]:
    return load_labelled_set(LETTERS)


def _text(letter: LabelledLetter) -> str:
    assert letter.text_source is not None, f"{letter.id}: no text source"
    return letter.text_source.read_text(encoding="utf-8")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.casefold())


def _date_spellings(iso: str) -> set[str]:
    d = date.fromisoformat(iso)
    months = [d.strftime("%B"), d.strftime("%b"), d.strftime("%b") + "."]
    if d.month == 9:
        months.append("Sept.")
    suffix = "th" if 10 <= d.day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d.day % 10, "th")
    days = {str(d.day), f"{d.day:02d}"}
    spellings = {iso, f"{d.month:02d}/{d.day:02d}/{d.year}", f"{d.month}/{d.day}/{d.year}"}
    for month in months:
        for day in days:
            spellings |= {f"{month} {day}, {d.year}", f"{day} {month} {d.year}"}
            spellings |= {f"{day}-{month}-{d.year}", f"{month} {day}{suffix}, {d.year}"}
    return {s.casefold() for s in spellings}


def _in_text(value: str, text: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(value)}(?!\w)", text) is not None


def _npi_is_valid(npi: str) -> bool:
    digits = [int(c) for c in "80840" + npi]
    total = sum(
        d if i % 2 == 0 else (2 * d if d < 5 else 2 * d - 9) for i, d in enumerate(reversed(digits))
    )
    return len(npi) == 10 and total % 10 == 0


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_binary_letters", REPO / "eval" / "make_binary_letters.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestLabelledSet:
    def test_there_are_enough_letters_with_unique_numbers(
        self, labelled: list[LabelledLetter]
    ) -> None:
        assert len(labelled) >= 44
        numbers = [letter.id.split("_")[0] for letter in labelled]
        assert len(set(numbers)) == len(numbers)

    def test_every_route_has_at_least_four_letters(self, labelled: list[LabelledLetter]) -> None:
        per_route = Counter(letter.label.route for letter in labelled)
        assert {route: per_route[route] for route in RouteName if per_route[route] < 4} == {}

    def test_every_label_has_all_fields_and_code_types(
        self, labelled: list[LabelledLetter]
    ) -> None:
        for letter in labelled:
            assert tuple(letter.label.fields) == FIELD_KEYS, letter.id
            assert set(letter.label.codes) == set(CodeType), letter.id

    def test_binary_letters_exist_with_their_sources(self, labelled: list[LabelledLetter]) -> None:
        generator = _load_generator()
        by_suffix = Counter(letter.path.suffix for letter in labelled)
        assert by_suffix[".pdf"] >= 3
        assert by_suffix[".png"] >= 1
        for stem, kind in generator.BINARY_LETTERS.items():
            path = LETTERS / f"{stem}{generator.SUFFIX[kind]}"
            assert path.exists(), stem
            assert (REPO / "eval" / "sources" / f"{stem}.txt").exists(), stem
            assert path.stat().st_size < MAX_BINARY_BYTES, stem
        kinds = Counter(generator.BINARY_LETTERS.values())
        assert kinds["text_pdf"] >= 2
        assert kinds["scanned_pdf"] >= 1
        assert kinds["png"] >= 1

    def test_text_pdfs_have_a_text_layer_and_scans_do_not(self) -> None:
        generator = _load_generator()
        for stem, kind in generator.BINARY_LETTERS.items():
            if kind == "png":
                with Image.open(LETTERS / f"{stem}.png") as image:
                    assert image.width >= 1500
                continue
            reader = pypdf.PdfReader(LETTERS / f"{stem}.pdf")
            text = "".join(page.extract_text() for page in reader.pages)
            if kind == "text_pdf":
                first_line = (
                    (REPO / "eval" / "sources" / f"{stem}.txt")
                    .read_text(encoding="utf-8")
                    .split("\n")[0]
                )
                assert first_line.strip() in text, stem
            else:
                assert text.strip() == "", stem
                assert all(page.images for page in reader.pages), stem

    def test_every_stated_value_appears_in_its_letter(self, labelled: list[LabelledLetter]) -> None:
        problems = []
        for letter in labelled:
            text = _squash(_text(letter))
            phones = {re.sub(r"\D", "", p)[-10:] for p in PHONE.findall(text)}
            fields = letter.label.fields
            for key in FIELD_KEYS:
                values = [v for v in alternatives(fields[key]) if v is not None]
                problems += [
                    f"{letter.id} {key}={value!r}"
                    for value in values
                    if not _stated(key, value, text, phones, fields)
                ]
        assert problems == []

    def test_every_code_appears_in_its_letter_and_is_well_formed(
        self, labelled: list[LabelledLetter]
    ) -> None:
        problems = []
        for letter in labelled:
            text = _text(letter)
            for code_type, codes in letter.label.codes.items():
                for code in codes:
                    group, _, number = code.rpartition("-")
                    if code_type == CodeType.CARC:
                        ok = re.fullmatch(r"((CO|PR|OA|PI|CR)-)?([A-Z]?\d{1,3})", code) is not None
                        ok = ok and _in_text(number, text) and (not group or _in_text(group, text))
                    elif code_type == CodeType.ICD10CM:
                        ok = simple_icd_10_cm.is_valid_item(code) and _in_text(code, text)
                    else:
                        ok = _in_text(code, text)
                    if not ok:
                        problems.append(f"{letter.id} {code_type.value} {code}")
        assert problems == []

    def test_npis_pass_the_check_digit(self, labelled: list[LabelledLetter]) -> None:
        npis = [(x.id, x.label.fields["service.provider_npi"]) for x in labelled]
        assert [(i, n) for i, n in npis if n is not None and not _npi_is_valid(str(n))] == []
        assert not _npi_is_valid("1234567890")  # the invalid NPI trap in letter 07

    def test_the_scorer_gives_perfect_facts_a_perfect_score(
        self, labelled: list[LabelledLetter]
    ) -> None:
        report = score([result(letter.label) for letter in labelled])
        assert report.mismatches == []
        assert report.passed()


def _stated(
    key: str, value: str | int | float, text: str, phones: set[str], fields: dict[str, Any]
) -> bool:
    """Whether a label value is written in the (squashed) letter text."""
    kind = FIELD_KINDS[key]
    if kind == "phone":
        return re.sub(r"\D", "", str(value))[-10:] in phones
    if kind == "money":
        return any(_in_text(s, text) for s in (f"{value:,.2f}", f"{value:.2f}"))
    if kind == "int":
        return _in_text(str(value), text)
    if kind == "date":
        if any(s in text for s in _date_spellings(str(value))):
            return True
        denial, window = fields["dates.date_of_denial"], fields["dates.appeal_window_days"]
        windows = [w for w in alternatives(window) if isinstance(w, int)]
        return (
            key == "dates.appeal_deadline"
            and isinstance(denial, str)
            and any(
                date.fromisoformat(denial) + timedelta(days=w) == date.fromisoformat(str(value))
                for w in windows
            )
        )
    if key == "payer.plan_type":  # a category: its words are in the letter, maybe apart
        return all(word in text for word in re.findall(r"[\w-]+", _squash(str(value))))
    return _squash(str(value)) in text
