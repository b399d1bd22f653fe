"""Property-based tests of the whole HTTP API from its own OpenAPI document (schemathesis).

Every operation gets generated requests, valid and invalid; every response must be no 5xx,
carry a status the document declares for that operation, and match the declared schema.
The examples per operation are bounded so the run stays well under a minute.

The schema is loaded when this module is collected (schemathesis's lazy `from_fixture` does
not work with pytest 9), so the app is built here, over a temporary data directory that the
module fixture removes at the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from denialops.api.dependencies import get_pipeline, get_storage
from denialops.config import load_settings
from denialops.main import create_app
from denialops.pipeline.build import full_pipeline
from denialops.samples import sample_path
from denialops.security.crypto import DocumentCipher
from denialops.storage.memory import MemoryCaseStorage

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

_data_dir = tempfile.TemporaryDirectory(prefix="denialops-schemathesis-")
app = create_app(
    load_settings(
        data_dir=Path(_data_dir.name),
        environment="test",
        rate_limit_enabled=False,
        document_encryption_keys=SecretStr(DocumentCipher.generate_key()),
    )
)
_storage = MemoryCaseStorage()
_pipeline = full_pipeline()
app.dependency_overrides[get_storage] = lambda: _storage
app.dependency_overrides[get_pipeline] = lambda: _pipeline
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _remove_data_dir() -> Iterator[None]:
    yield
    _data_dir.cleanup()


BOUNDED = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def analysed_case_id() -> str:
    """A case with a letter, run once: so generated requests also meet a case that exists."""
    client = TestClient(app)
    case_id: str = client.post("/api/v1/cases").json()["case_id"]
    upload = client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("letter.txt", sample_path().read_bytes())},
        data={"doc_type": "denial_letter"},
    )
    assert upload.status_code == 201
    assert client.post(f"/api/v1/cases/{case_id}/run").status_code == 200
    return case_id


@schema.parametrize()
@BOUNDED
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.include(path_regex=r"\{case_id\}").parametrize()
@BOUNDED
def test_case_operations_conform_on_an_analysed_case(
    case: schemathesis.Case, analysed_case_id: str
) -> None:
    assert case.path_parameters is not None
    case.path_parameters["case_id"] = analysed_case_id
    case.call_and_validate(checks=CHECKS)
