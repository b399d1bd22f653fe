"""`score`, `EvalReport` and `render_table`: how results add up against their labels."""

from __future__ import annotations

from rich.table import Table

from denialops.domain.facts import RouteName
from denialops.evaluation import LetterResult, Thresholds, render_table, score

from .label_helpers import make_label, perfect_facts, result


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
