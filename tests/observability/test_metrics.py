"""`Metrics`: independent per app, typed recording methods, bounded labels, exposition."""

from __future__ import annotations

from pathlib import Path

import pytest
from metrics_helpers import sample
from prometheus_client.parser import text_string_to_metric_families

from denialops.errors import ConfigurationError
from denialops.observability.metrics import MULTIPROC_ENV, Metrics


class TestIndependence:
    def test_two_sets_in_one_process_do_not_share_values(self) -> None:
        first, second = Metrics(), Metrics()
        first.case_completed("timely_filing")
        assert sample(first, "denialops_cases_total", route="timely_filing") == 1
        assert sample(second, "denialops_cases_total", route="timely_filing") == 0

    def test_for_process_builds_a_fresh_set_in_single_process_mode(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(MULTIPROC_ENV, raising=False)
        assert Metrics.for_process() is not Metrics.for_process()

    def test_multiprocess_dir_set_too_late_is_a_configuration_error(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        # prometheus_client chose its value class when this process imported it, without the
        # variable: files would never be written, so the app must refuse to start.
        monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
        with pytest.raises(ConfigurationError, match=MULTIPROC_ENV):
            Metrics.for_process()


class TestRecording:
    def test_request_is_counted_and_timed_by_route_template(self) -> None:
        metrics = Metrics()
        metrics.observe_request("GET", "/api/v1/cases/{case_id}", 404, 0.02)
        metrics.observe_request("GET", "/api/v1/cases/{case_id}", 404, 0.03)
        labels = {"method": "GET", "endpoint": "/api/v1/cases/{case_id}"}
        assert sample(metrics, "http_requests_total", **labels, status="404") == 2
        assert sample(metrics, "http_request_duration_seconds_count", **labels) == 2
        assert sample(metrics, "http_request_duration_seconds_sum", **labels) == pytest.approx(0.05)

    def test_unknown_methods_share_one_label_value(self) -> None:
        metrics = Metrics()
        for method in ("BREW", "PROPFIND", "X" * 40):
            metrics.observe_request(method, "unmatched", 405, 0.001)
        counted = sample(
            metrics, "http_requests_total", method="other", endpoint="unmatched", status="405"
        )
        assert counted == 3

    def test_stage_llm_and_case_metrics(self) -> None:
        metrics = Metrics()
        metrics.observe_stage("extract_text", 0.2)
        metrics.observe_llm_call("openai", "timeout", 30.0)
        metrics.case_completed("prior_auth_needed")
        assert sample(metrics, "denialops_pipeline_stage_seconds_count", stage="extract_text") == 1
        llm = {"provider": "openai", "outcome": "timeout"}
        assert sample(metrics, "denialops_llm_call_seconds_sum", **llm) == 30.0
        assert sample(metrics, "denialops_cases_total", route="prior_auth_needed") == 1

    def test_cache_hits_and_misses_both_exist_from_the_start(self) -> None:
        metrics = Metrics()
        body, _ = metrics.render()
        assert b'denialops_cache_requests_total{result="hit"} 0.0' in body
        assert b'denialops_cache_requests_total{result="miss"} 0.0' in body
        metrics.cache_result(hit=True)
        metrics.cache_result(hit=False)
        metrics.cache_result(hit=True)
        assert sample(metrics, "denialops_cache_requests_total", result="hit") == 2
        assert sample(metrics, "denialops_cache_requests_total", result="miss") == 1

    @pytest.mark.parametrize(
        ("state", "value"), [("closed", 0), ("half_open", 1), ("half-open", 1), ("open", 2)]
    )
    def test_circuit_state_is_a_number(self, state: str, value: int) -> None:
        metrics = Metrics()
        metrics.set_circuit_state(state)
        assert sample(metrics, "denialops_circuit_state") == value

    def test_unknown_circuit_state_is_refused(self) -> None:
        with pytest.raises(ValueError, match="circuit state"):
            Metrics().set_circuit_state("ajar")

    def test_jobs_queued_is_set_not_added(self) -> None:
        metrics = Metrics()
        metrics.set_jobs_queued(7)
        metrics.set_jobs_queued(3)
        assert sample(metrics, "denialops_jobs_queued") == 3


class TestExposition:
    def test_text_format_by_default_with_every_metric_named(self) -> None:
        body, content_type = Metrics().render()
        assert content_type.startswith("text/plain")
        names = {family.name for family in text_string_to_metric_families(body.decode())}
        assert {
            "http_requests",
            "http_request_duration_seconds",
            "denialops_pipeline_stage_seconds",
            "denialops_llm_call_seconds",
            "denialops_cache_requests",
            "denialops_circuit_state",
            "denialops_jobs_queued",
            "denialops_cases",
            "process_cpu_seconds",
        } <= names

    def test_openmetrics_when_the_scraper_asks(self) -> None:
        body, content_type = Metrics().render("application/openmetrics-text; version=1.0.0")
        assert content_type.startswith("application/openmetrics-text")
        assert body.endswith(b"# EOF\n")
