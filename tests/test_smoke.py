"""A smoke test under real uvicorn on loopback, on the embedded default (SQLite)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from denialops.config import load_settings
from denialops.main import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    settings = load_settings(data_dir=tmp_path, environment="test", max_upload_bytes=128 * 1024)
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, lifespan="on"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_case_lifecycle_over_real_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.get("/health/ready").json()["status"] == "ok"
        case_id = http.post("/api/v1/cases").json()["case_id"]
        up = http.post(
            f"/api/v1/cases/{case_id}/documents",
            files={"file": ("letter.txt", b"Denied: CO-197, no prior authorization.")},
            data={"doc_type": "denial_letter"},
        )
        assert up.status_code == 201
        events = http.get(f"/api/v1/cases/{case_id}/events").json()["events"]
        assert [e["type"] for e in events] == ["CaseCreated", "DocumentUploaded"]
        assert http.get(f"/api/v1/cases/{case_id}").json()["status"] == "documents_uploaded"


def test_oversized_chunked_upload_is_refused_over_the_wire(server: str) -> None:
    sent = 0

    def body() -> Iterator[bytes]:
        nonlocal sent
        yield b'--X\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        while sent < 64 * 1024 * 1024:
            sent += 65536
            yield b"c" * 65536

    with httpx.Client(base_url=server, timeout=30) as http:
        case_id = http.post("/api/v1/cases").json()["case_id"]
        try:
            response = http.post(
                f"/api/v1/cases/{case_id}/documents",
                content=body(),
                headers={"content-type": "multipart/form-data; boundary=X"},
            )
        except httpx.TransportError:
            # The server may close the connection while we are still sending; that is a refusal.
            response = None
        if response is not None:
            assert response.status_code == 413
        assert sent < 64 * 1024 * 1024
        assert http.get("/health/live").status_code == 200
