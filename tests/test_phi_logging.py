"""No PHI in any log line, at any level, from any endpoint.

A real uvicorn serves the embedded default (SQLite, through the lifespan) with LOG_LEVEL=DEBUG.
Letters full of distinctive names, member IDs, claim numbers and addresses go through every
endpoint, in every way a request can go wrong. Everything written to stderr (structlog and
stdlib lines, uvicorn's included) and every stdlib log record made, whether emitted or not
(SQLAlchemy, aiosqlite, httpx, uvicorn ...), is searched for the PHI.

Requests whose URL carries PHI go through `http.client`, which logs nothing: httpx, the client
used for the rest, logs its own requests' URLs, and those lines are the test's, not the service's.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import structlog
import uvicorn
from docx import Document
from fastapi import FastAPI
from fpdf import FPDF

from denialops.api.dependencies import get_case_service, get_pipeline
from denialops.config import load_settings
from denialops.main import create_app
from denialops.pipeline.context import CaseContext
from denialops.pipeline.runner import PipelineRunner
from denialops.services.schemas import schema_names

PATIENT = "Thaddeus Wigglesworth"
PHI = (
    "Thaddeus",
    "Wigglesworth",
    "XQW884217765",  # member ID
    "7731-550-99821",  # claim number
    "ZEBRA-5521",  # group number
    "Persimmon Hollow",  # street
    "Tumbleweed Flats",  # city
    "03/17/1961",  # date of birth
    "Quillfeather",  # the treating physician
)

LETTER = f"""Cascade Health Plan
Member Appeals Unit
P.O. Box 44120
Portland, OR 97208

March 4, 2025

{PATIENT}
4417 Persimmon Hollow Road
Tumbleweed Flats, OK 73099

Member ID: XQW884217765
Date of birth: 03/17/1961
Group Number: GRP-ZEBRA-5521
Claim Number: 7731-550-99821
Plan: Cascade Select PPO

Dear {PATIENT},

We reviewed the claim from Dr. Octavia Quillfeather (NPI 1245319599) for an MRI of the left
knee without contrast (CPT 73721) performed on February 12, 2025.

Reason for denial: Prior authorization was not obtained before the service was performed.

Denial code: CO-197 (precertification/authorization absent)

Amount billed: $1,840.00

Your appeal must reach us within 180 days of the date of this letter. Call Member Services at
1-800-555-0142.
"""
FILENAME = "Thaddeus_Wigglesworth_XQW884217765_denial.txt"
USER_CONTEXT = {
    "payer": "Cascade Health Plan",
    "plan_name": "ZEBRA-5521 Gold for Thaddeus Wigglesworth",
    "provider": "Dr. Octavia Quillfeather",
    "service": "MRI for Thaddeus Wigglesworth, 4417 Persimmon Hollow Road",
}


def pdf_of(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in text.splitlines():
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def docx_of(text: str) -> bytes:
    document = Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- capture ----------------------------------------------------------------------------------


class RecordEverything(logging.Handler):
    """Every stdlib record that reaches the root logger, at every level, emitted or not."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")


@contextmanager
def recording() -> Iterator[RecordEverything]:
    handler = RecordEverything()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def phi_in(text: str) -> list[str]:
    lowered = text.lower()
    return [needle for needle in PHI if needle.lower() in lowered]


def json_events(emitted: str) -> list[dict[str, Any]]:
    """Every JSON log line of `emitted`, parsed (other lines are not the service's)."""
    events = []
    for line in emitted.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


def walked(emitted: str) -> set[tuple[str, str]]:
    """(method, route template) of every request the service logged."""
    lines = (json.loads(line) for line in emitted.splitlines() if '"http.request"' in line)
    return {(line["method"], line["route"]) for line in lines}


def documented(app: FastAPI) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(method.upper(), path) for path, ops in paths.items() for method in ops}


def leaks(text: str) -> str:
    """The lines that carry PHI, shortened: the failure message says where to look."""
    return "\n".join(line[:400] for line in text.splitlines() if phi_in(line))


# -- a real server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    # uvicorn's defaults (access log on), not `denialops serve`'s: the guards must hold anyway.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def raw(base: str, method: str, path: str, headers: dict[str, str] | None = None) -> int:
    """A request whose URL or headers carry PHI, sent without any client-side logging."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    settings = load_settings(
        data_dir=tmp_path,
        environment="production",
        log_level="DEBUG",
        max_upload_bytes=64 * 1024,
        rate_limit_enabled=False,  # the walk is many requests from one client
    )
    return create_app(settings)


# -- the walk ---------------------------------------------------------------------------------


def upload(http: httpx.Client, case_id: str, data: bytes, name: str, doc_type: str) -> int:
    response = http.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (name, data)},
        data={"doc_type": doc_type},
    )
    return response.status_code


def new_case(http: httpx.Client) -> str:
    response = http.post("/api/v1/cases", json={"user_context": USER_CONTEXT})
    assert response.status_code == 201
    case_id: str = response.json()["case_id"]
    return case_id


def walk_ops(http: httpx.Client) -> None:
    for path in ("/health", "/health/live", "/health/ready", "/health/detailed", "/metrics"):
        assert http.get(path).status_code == 200, path


def walk_case(http: httpx.Client, letter: bytes, name: str) -> str:
    """A case from creation to every artifact and rendering."""
    case_id = new_case(http)
    assert upload(http, case_id, letter, name, "denial_letter") == 201
    assert upload(http, case_id, pdf_of(LETTER), "Wigglesworth_EOB.pdf", "eob") == 201
    assert upload(http, case_id, docx_of(LETTER), "Wigglesworth_notes.docx", "other") == 201
    run = http.post(f"/api/v1/cases/{case_id}/run")
    assert run.status_code == 200, run.text
    explained = http.post(f"/api/v1/cases/{case_id}/explain")
    assert explained.status_code == 200
    assert "event: done" in explained.text
    for path in ("", "/events", "/artifacts"):
        assert http.get(f"/api/v1/cases/{case_id}{path}").status_code == 200, path
    as_of = http.get(f"/api/v1/cases/{case_id}").json()["created_at"]
    assert http.get(f"/api/v1/cases/{case_id}/events", params={"as_of": as_of}).status_code == 200
    names = [a["name"] for a in http.get(f"/api/v1/cases/{case_id}/artifacts").json()["artifacts"]]
    renderings = [
        n.replace(".md", ext) for n in names if n.endswith(".md") for ext in (".pdf", ".docx")
    ]
    for artifact in names + renderings[:4]:
        response = http.get(f"/api/v1/cases/{case_id}/artifacts/{artifact}")
        assert response.status_code == 200, artifact
    assert any(
        "Wigglesworth" in http.get(f"/api/v1/cases/{case_id}/artifacts/{n}").text for n in names
    )
    return case_id


def walk_reads(http: httpx.Client) -> None:
    assert http.get("/api/v1/cases", params={"limit": 5}).status_code == 200
    for name in schema_names():
        assert http.get(f"/api/v1/schemas/{name}").status_code == 200, name


def walk_errors(http: httpx.Client, base: str, case_id: str) -> None:
    phi_path = quote(f"{PATIENT} XQW884217765")
    statuses = {
        "unknown case": raw(base, "GET", f"/api/v1/cases/{quote('Wigglesworth-XQW884217765')}"),
        "malformed case id": raw(base, "GET", f"/api/v1/cases/{phi_path}"),
        "unknown artifact": raw(base, "GET", f"/api/v1/cases/{case_id}/artifacts/{phi_path}.md"),
        "unknown schema": raw(base, "GET", f"/api/v1/schemas/{phi_path}"),
        "no route": raw(base, "GET", f"/{phi_path}?member=XQW884217765"),
        "bad query": raw(base, "GET", f"/api/v1/cases?limit={phi_path}"),
        "bad as_of": raw(base, "GET", f"/api/v1/cases/{case_id}/events?as_of={phi_path}"),
        "bad request id": raw(base, "GET", "/health/live", {"X-Request-ID": FILENAME}),
        "wrong method": raw(base, "PATCH", f"/api/v1/cases/{case_id}?name={phi_path}"),
    }
    assert statuses == {
        "unknown case": 404,
        "malformed case id": 422,
        "unknown artifact": 404,
        "unknown schema": 404,
        "no route": 404,
        "bad query": 422,
        "bad as_of": 422,
        "bad request id": 200,
        "wrong method": 405,
    }
    walk_body_errors(http, case_id)


def walk_body_errors(http: httpx.Client, case_id: str) -> None:
    too_big = LETTER.encode() * 200
    assert upload(http, case_id, too_big, FILENAME, "denial_letter") == 413
    elf = b"\x7fELF\x02\x01\x01" + LETTER.encode()
    assert upload(http, case_id, elf, "Thaddeus_Wigglesworth.pdf", "denial_letter") == 415
    assert upload(http, case_id, b"", FILENAME, "denial_letter") == 422
    assert upload(http, case_id, LETTER.encode(), FILENAME, f"{PATIENT} letter") == 422
    bad_bodies = [
        {"mode": PATIENT},
        {"user_context": {"payer": f"{PATIENT} " * 40}},
        {"user_context": {"member_id": "XQW884217765"}},
    ]
    for body in bad_bodies:
        assert http.post("/api/v1/cases", json=body).status_code == 422, body
    malformed = f'{{"user_context": {{"payer": "{PATIENT}"'.encode()
    response = http.post(
        "/api/v1/cases", content=malformed, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    empty = new_case(http)
    assert upload(http, empty, LETTER.encode(), FILENAME, "other") == 201
    assert http.post(f"/api/v1/cases/{empty}/run").status_code == 409
    assert http.post(f"/api/v1/cases/{empty}/explain").status_code == 409
    assert http.delete(f"/api/v1/cases/{empty}").status_code == 204


# -- the tests --------------------------------------------------------------------------------


def test_every_endpoint_logs_no_phi(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    with recording() as records, serving(app) as base, httpx.Client(base_url=base) as http:
        walk_ops(http)
        case_id = walk_case(http, LETTER.encode(), FILENAME)
        walk_case(http, pdf_of(LETTER), "Thaddeus_Wigglesworth.pdf")
        walk_case(http, docx_of(LETTER), "Thaddeus_Wigglesworth.docx")
        walk_reads(http)
        walk_errors(http, base, case_id)
        assert http.delete(f"/api/v1/cases/{case_id}").status_code == 204
    written = capfd.readouterr()
    emitted = written.err + written.out
    assert phi_in(emitted) == [], leaks(emitted)
    assert phi_in("\n".join(records.lines)) == [], leaks("\n".join(records.lines))
    # Every documented endpoint was walked: a new endpoint must join the walk.
    assert documented(app) - walked(emitted) == set()
    # The capture saw the service at DEBUG: requests, stages, library records.
    events = json_events(emitted)
    assert sum(e.get("event") == "http.request" for e in events) >= 60
    assert any(e.get("level") == "debug" for e in events)
    assert any(e.get("stage") == "grounding" for e in events)
    assert any(line.startswith("asyncio ") or "uvicorn" in line for line in records.lines)


def test_crashes_log_no_phi(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    """A stage that crashes on the letter's text, and a route that raises: tracebacks are
    logged (by us, and by uvicorn for the 500), their messages are not."""

    class CrashOnName:
        name = "extract_facts"
        required = True

        def __call__(self, ctx: CaseContext) -> CaseContext:
            int(ctx.letter.data.decode()[:200])  # ValueError quoting the letter
            return ctx

    with recording() as records, serving(app) as base, httpx.Client(base_url=base) as http:
        case_id = new_case(http)
        assert upload(http, case_id, LETTER.encode(), FILENAME, "denial_letter") == 201
        app.dependency_overrides[get_pipeline] = lambda: PipelineRunner([CrashOnName()])
        assert http.post(f"/api/v1/cases/{case_id}/run").status_code == 500

        def broken() -> None:
            raise RuntimeError(" ".join(PHI))  # (a traceback shows this line: no literal PHI)

        app.dependency_overrides[get_case_service] = broken
        assert http.get(f"/api/v1/cases/{case_id}").status_code == 500
    written = capfd.readouterr()
    emitted = written.err + written.out
    assert phi_in(emitted) == [], leaks(emitted)
    assert phi_in("\n".join(records.lines)) == [], leaks("\n".join(records.lines))
    assert "pipeline.stage_crashed" in emitted
    assert "request.unhandled_error" in emitted
    assert "ValueError: (message withheld" in emitted


def test_the_capture_would_see_a_leak(app: FastAPI, capfd: pytest.CaptureFixture[str]) -> None:
    with recording() as records:
        structlog.get_logger("denialops.test").debug("leak", name=PATIENT)
        logging.getLogger("denialops.test").debug("leak %s", "XQW884217765")
    assert phi_in(capfd.readouterr().err) == ["Thaddeus", "Wigglesworth", "XQW884217765"]
    assert phi_in("\n".join(records.lines)) == ["XQW884217765"]
