"""The evaluation scorer, and the labelled evaluation set it scores against (`eval/letters/`)."""

from __future__ import annotations

import importlib.util
import re
import warnings
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pypdf
import pytest
from PIL import Image
from rich.table import Table

from denialops.domain.facts import CaseFacts, CodeType, DenialCode, RouteName
from denialops.evaluation import (
    FIELD_KEYS,
    FIELD_KINDS,
    Label,
    LabelError,
    LabelledLetter,
    LetterResult,
    Thresholds,
    alternatives,
    load_labelled_set,
    render_table,
    score,
)

with warnings.catch_warnings():  # it loads its data through a deprecated importlib API
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm

REPO = Path(__file__).resolve().parents[1]
LETTERS = REPO / "eval" / "letters"
MAX_BINARY_BYTES = 400_000
PHONE = re.compile(r"(?<!\d)(?:1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)")


def make_label(**overrides: Any) -> Label:
    fields: dict[str, Any] = dict.fromkeys(FIELD_KEYS)
    fields.update(
        {
            "payer.name": ["Blue Cross Blue Shield of North Carolina", "BCBS of North Carolina"],
            "payer.member_id": "ABC123456789",
            "payer.claim_number": "CLM2024011500001",
            "dates.date_of_denial": "2024-01-15",
            "dates.date_of_service": "2024-01-05",
            "dates.appeal_deadline": "2024-07-13",
            "dates.appeal_window_days": 180,
            "amounts.billed_amount": 2500.00,
            "amounts.allowed_amount": 0.0,
            "contact_info.phone": "1-800-555-1234",
        }
    )
    fields.update(overrides.pop("fields", {}))
    codes: dict[str, list[str]] = {t.value: [] for t in CodeType} | {
        "CARC": ["CO-197"],
        "CPT": ["72148"],
    }
    codes |= overrides.pop("codes", {})
    return Label.model_validate(
        {
            "id": "00_test",
            "route": "prior_auth_needed",
            "appealable": True,
            "fields": fields,
            "codes": codes,
        }
        | overrides
    )


def perfect_facts(label: Label) -> CaseFacts:
    """The facts a flawless pipeline would produce for `label`."""
    sections: dict[str, dict[str, Any]] = {}
    for key in FIELD_KEYS:
        value = next((v for v in alternatives(label.fields[key]) if v is not None), None)
        section, name = key.split(".")
        sections.setdefault(section, {})[name] = value
    facts = CaseFacts.model_validate(sections)
    facts.denial_codes = [
        DenialCode(code=code, code_type=code_type)
        for code_type, codes in label.codes.items()
        for code in codes
    ]
    return facts


def result(label: Label, facts: CaseFacts | None = None, **kw: Any) -> LetterResult:
    facts = perfect_facts(label) if facts is None else facts
    return LetterResult(label=label, facts=facts, route=kw.pop("route", label.route), **kw)


class TestScore:
    def test_a_perfect_result_scores_one(self) -> None:
        label = make_label()
        report = score([result(label, seconds=1.5), result(label, seconds=0.5)])
        assert report.route_accuracy == 1.0
        assert report.field_accuracy == 1.0
        assert report.invented == 0
        assert all(s.precision == 1.0 and s.recall == 1.0 for s in report.codes.values())
        assert (report.seconds_mean, report.seconds_p50, report.seconds_max) == (1.0, 1.0, 1.5)
        assert report.mismatches == []
        assert report.passed()

    def test_a_zip_code_reported_as_cpt_lowers_cpt_precision(self) -> None:
        label = make_label()
        facts = perfect_facts(label)
        facts.service.cpt_codes = ["72148", "27601"]
        report = score([result(label, facts)])
        assert report.codes["CPT"].precision == 0.5
        assert report.codes["CPT"].recall == 1.0
        assert any(m.kind == "code_extra" and m.produced == "27601" for m in report.mismatches)
        assert not report.passed()

    def test_an_invented_member_id_counts_as_invented(self) -> None:
        label = make_label(fields={"payer.member_id": None})
        facts = perfect_facts(label)
        facts.payer.member_id = "W123456789"
        report = score([result(label, facts)])
        assert report.invented == 1
        assert report.field_accuracy == 19 / 20
        assert [m.key for m in report.mismatches if m.kind == "invented"] == ["payer.member_id"]
        assert any("invented" in reason for reason in report.failures())

    def test_hallucinated_values_in_documents_fail_the_report(self) -> None:
        label = make_label()
        report = score([result(label, perfect_facts(label), hallucinations=2)])
        assert report.hallucinations == 2
        assert not report.passed()
        assert any("hallucinated" in reason for reason in report.failures())
        clean = score([result(label, perfect_facts(label), hallucinations=0)])
        assert clean.passed()

    def test_a_phone_with_different_punctuation_still_matches(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.contact_info.phone = "(800) 555 1234"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.contact_info.phone = "+1 800.555.1234"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.contact_info.phone = "800-555-4321"
        assert score([result(label, facts)]).field_accuracy == 19 / 20

    def test_strings_are_compared_casefolded_and_alternatives_match(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.payer.name = "  bcbs of   north carolina. "
        facts.payer.claim_number = "clm2024011500001"
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.payer.name = "Blue Cross"
        assert score([result(label, facts)]).field_accuracy == 19 / 20

    def test_amounts_compare_to_the_cent_and_dates_as_iso(self) -> None:
        facts = perfect_facts(label := make_label())
        facts.amounts.billed_amount = Decimal("2500.001")
        assert score([result(label, facts)]).field_accuracy == 1.0
        facts.amounts.billed_amount = Decimal("2500.01")
        assert score([result(label, facts)]).field_accuracy == 19 / 20
        facts.amounts.billed_amount = Decimal("2500")
        facts.dates.date_of_service = "01/05/2024"  # not ISO: wrong
        facts.amounts.allowed_amount = None  # label 0.00 is a stated value, not null
        report = score([result(label, facts)])
        assert {m.key for m in report.mismatches} == {
            "dates.date_of_service",
            "amounts.allowed_amount",
        }

    def test_carc_group_spellings_normalise_but_a_bare_number_is_wrong(self) -> None:
        label = make_label()
        facts = perfect_facts(label)
        facts.denial_codes = [DenialCode(code="co 197", code_type=CodeType.CARC)]
        facts.service.cpt_codes = ["72148"]
        assert score([result(label, facts)]).codes["CARC"].precision == 1.0
        facts.denial_codes = [DenialCode(code="197", code_type=CodeType.CARC, group="CO")]
        assert score([result(label, facts)]).codes["CARC"].recall == 1.0
        facts.denial_codes = [DenialCode(code="197", code_type=CodeType.CARC)]
        carc = score([result(label, facts)]).codes["CARC"]
        assert (carc.precision, carc.recall) == (0.0, 0.0)

    def test_a_failed_letter_counts_as_all_wrong(self) -> None:
        label = make_label()
        failed = LetterResult(label=label, facts=None, route=None, error="OCR timed out", seconds=9)
        report = score([result(label), failed])
        assert report.failed == 1
        assert report.route_accuracy == 0.5
        assert report.field_accuracy == 0.5
        assert report.codes["CPT"].recall == 0.5
        assert report.seconds_max == 9
        assert not report.passed()
        assert report.passed(
            Thresholds(route_accuracy=0.5, field_accuracy=0.5, code_recall=0.5, max_failed=1)
        )

    def test_a_wrong_route_is_reported_per_route(self) -> None:
        label = make_label()
        report = score([result(label, route=RouteName.MEDICAL_NECESSITY_APPEAL), result(label)])
        assert report.route_accuracy == 0.5
        assert report.per_route == {"prior_auth_needed": (1, 2)}
        assert [m.produced for m in report.mismatches] == ["medical_necessity_appeal"]

    def test_an_empty_type_counts_as_perfect(self) -> None:
        report = score([result(make_label())])
        assert report.codes["HCPCS"].precision == report.codes["HCPCS"].recall == 1.0

    def test_render_table_lists_every_metric(self) -> None:
        table = render_table(score([result(make_label())]))
        assert isinstance(table, Table)
        metrics = list(table.columns[0].cells)
        assert "route accuracy" in metrics
        assert "ICD-10-CM recall" in metrics
        assert list(table.columns[3].cells)[:4] == ["yes"] * 4


class TestLabelValidation:
    def test_a_label_missing_a_field_is_rejected(self) -> None:
        fields = dict.fromkeys(FIELD_KEYS[1:])
        codes: dict[str, list[str]] = {t.value: [] for t in CodeType}
        with pytest.raises(ValueError, match=r"payer\.name"):
            Label.model_validate(
                {
                    "id": "x",
                    "route": "timely_filing",
                    "appealable": True,
                    "fields": fields,
                    "codes": codes,
                }
            )

    def test_a_non_iso_date_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="date_of_service"):
            make_label(fields={"dates.date_of_service": "01/05/2024"})

    def test_a_letter_without_its_file_is_rejected(self, tmp_path: Path) -> None:
        (tmp_path / "01_x.json").write_text(make_label(id="01_x").model_dump_json())
        with pytest.raises(LabelError, match="expected one letter file"):
            load_labelled_set(tmp_path)


# --- the labelled set ---------------------------------------------------------------------------


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
