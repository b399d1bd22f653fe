"""`Label` validation and `load_labelled_set` on malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from denialops.domain.facts import CodeType
from denialops.evaluation import FIELD_KEYS, Label, LabelError, load_labelled_set

from .label_helpers import make_label


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
