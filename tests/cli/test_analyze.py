"""`denialops analyze`, `denialops eval` and `denialops demo`, run as a user runs them."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from denialops.cli import app
from denialops.samples import sample_path

runner = CliRunner()
EVAL_SET = Path(__file__).parents[2] / "eval" / "letters"


class TestAnalyze:
    def test_writes_the_pack_and_prints_a_summary(self, tmp_path: Path) -> None:
        result = runner.invoke(app, ["analyze", str(sample_path()), "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "prior_auth_needed" in result.output
        assert "Appeal deadline: 2025-08-31" in result.output
        for name in (
            "case_facts.json",
            "route.json",
            "action_plan.md",
            "appeal_letter.md",
            "appeal_letter.pdf",
            "appeal_letter.docx",
            "call_script.md",
            "deadlines.ics",
            "extracted_text.txt",
        ):
            assert (tmp_path / name).stat().st_size > 0, name

    def test_json_summary(self, tmp_path: Path) -> None:
        result = runner.invoke(
            app, ["analyze", str(sample_path()), "--out", str(tmp_path), "--json"]
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert summary["route"] == "prior_auth_needed"
        assert summary["appeal_deadline"] == "2025-08-31"
        assert all(Path(p).exists() for p in summary["files"])

    def test_unreadable_letter_exits_non_zero_with_a_clear_message(self, tmp_path: Path) -> None:
        blank = tmp_path / "blank.png"
        buffer = io.BytesIO()
        Image.new("RGB", (300, 200), "white").save(buffer, format="PNG")
        blank.write_bytes(buffer.getvalue())
        result = runner.invoke(app, ["analyze", str(blank), "--out", str(tmp_path / "out")])
        assert result.exit_code == 3
        assert "no readable text" in result.output
        assert "Traceback" not in result.output

    @pytest.mark.parametrize("content", [None, b"\x7fELF\x02\x01\x01" + b"\x00" * 64])
    def test_missing_or_unsupported_file_exits_3(
        self, tmp_path: Path, content: bytes | None
    ) -> None:
        path = tmp_path / "letter.bin"
        if content is not None:
            path.write_bytes(content)
        result = runner.invoke(app, ["analyze", str(path)])
        assert result.exit_code == 3
        assert "error:" in result.output


class TestEval:
    def _subset(self, tmp_path: Path, *names: str) -> Path:
        target = tmp_path / "letters"
        target.mkdir()
        for name in names:
            for source in EVAL_SET.glob(f"{name}.*"):
                shutil.copy(source, target / source.name)
        return target

    def test_passes_on_letters_it_reads_right(self, tmp_path: Path) -> None:
        letters = self._subset(tmp_path, "01_piedmont_mri_pa", "25_redwood_timely_filing")
        result = runner.invoke(app, ["eval", str(letters)])
        assert result.exit_code == 0, result.output
        assert "route accuracy" in result.output

    def test_fails_below_the_thresholds(self, tmp_path: Path) -> None:
        letters = self._subset(tmp_path, "01_piedmont_mri_pa")
        label_path = letters / "01_piedmont_mri_pa.json"
        label = json.loads(label_path.read_text())
        label["route"] = "duplicate_claim"  # a wrong golden route: the eval must notice
        label_path.write_text(json.dumps(label))
        result = runner.invoke(app, ["eval", str(letters)])
        assert result.exit_code == 1
        assert "route accuracy" in result.output


def test_demo_creates_a_case_and_lists_its_events(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "CaseCreated" in result.output
    assert "DocumentUploaded" in result.output
