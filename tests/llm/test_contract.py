"""The provider contract: OpenAI, Anthropic and a local OpenAI-compatible server, each driven
through its real SDK against the loopback fake, behave the same way to their callers — our
models out, our errors out, one request per call."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal

import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from denialops.errors import (
    LLMBadResponse,
    LLMError,
    LLMRateLimited,
    LLMRequestRejected,
    LLMServerError,
    LLMTimeout,
)
from denialops.llm.client import BaseLLMClient
from denialops.llm.models import (
    Completion,
    CompletionRequest,
    Message,
    StructuredCompletion,
    Usage,
)

from .conftest import API_KEY, PROVIDERS, TIMEOUT_S, make_client
from .fake_providers import (
    Behaviour,
    Fail,
    FakeLLMServer,
    Raw,
    Reply,
    malformed_json,
    rate_limited,
    server_error,
)

pytestmark = pytest.mark.anyio

SYSTEM = "You explain claim denials."
LETTER = "<letter>Claim 123 denied: CARC CO-197, no prior authorization.</letter>"
REQUEST = CompletionRequest(
    messages=(Message(role="system", content=SYSTEM), Message(role="user", content=LETTER)),
    purpose="explain",
)
SDK_MODULES = ("openai", "anthropic", "httpx", "httpx2")


class Route(BaseModel):
    route: Literal["appeal", "resubmit", "fix_and_resubmit"]
    carc: str


async def _call(llm: BaseLLMClient, how: str) -> None:
    """Make the call `how`: complete, structured or stream (to its end)."""
    if how == "complete":
        await llm.complete(REQUEST)
    elif how == "structured":
        await llm.complete_structured(REQUEST, Route)
    else:
        async for _ in llm.stream(REQUEST):
            pass


def _closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _collect(stream: AsyncIterator[str], *, into: list[str]) -> None:
    async for chunk in stream:
        into.append(chunk)


async def _fail(llm: BaseLLMClient, how: str) -> LLMError:
    """Make the call `how` and return the LLMError it raised."""
    with pytest.raises(LLMError) as info:
        await _call(llm, how)
    return info.value


def _is_ours(value: object) -> bool:
    return type(value).__module__.split(".")[0] not in SDK_MODULES


class TestCompletion:
    async def test_plain_completion_returns_text_and_usage(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(
            Reply("CO-197 means no prior authorization.", input_tokens=42, output_tokens=9)
        )
        completion = await llm.complete(REQUEST)
        assert type(completion) is Completion
        assert completion.text == "CO-197 means no prior authorization."
        assert completion.usage == Usage(input_tokens=42, output_tokens=9)
        assert (completion.provider, completion.model) == (llm.provider, llm.model)
        assert all(_is_ours(v) for v in (completion.usage, completion.finish_reason))

    async def test_the_prompt_reaches_the_server_with_its_roles(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply("ok"))
        await llm.complete(REQUEST)
        (received,) = llm_server.requests
        assert received.body["model"] == llm.model
        assert received.body["max_tokens" if llm.provider != "openai" else "max_completion_tokens"]
        assert received.last_user_text() == LETTER
        assert SYSTEM in received.prompt_text()
        assert not received.streamed

    async def test_an_answer_without_text_is_a_bad_response(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Raw('{"id": "x"}'))
        assert isinstance(await _fail(llm, "complete"), LLMBadResponse)


class TestStructured:
    async def test_json_answer_validates_into_the_model(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply.json({"route": "appeal", "carc": "CO-197"}))
        result = await llm.complete_structured(REQUEST, Route)
        assert isinstance(result, StructuredCompletion)
        assert result.value == Route(route="appeal", carc="CO-197")
        assert type(result.completion) is Completion

    async def test_the_schema_is_asked_for(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply.json({"route": "appeal", "carc": "CO-197"}))
        await llm.complete_structured(REQUEST, Route)
        (received,) = llm_server.requests
        if llm.provider in ("openai", "local"):  # native JSON-schema mode
            fmt = received.body["response_format"]
            assert fmt["type"] == "json_schema"
            assert fmt["json_schema"]["name"] == "Route"
            assert fmt["json_schema"]["strict"] is True
            assert fmt["json_schema"]["schema"]["required"] == ["route", "carc"]
        if llm.provider in ("anthropic", "local"):  # the instruction in the prompt
            assert '"fix_and_resubmit"' in received.prompt_text()
            assert "JSON" in received.prompt_text()

    async def test_fenced_json_is_read(self, llm: BaseLLMClient, llm_server: FakeLLMServer) -> None:
        llm_server.script(Reply('```json\n{"route": "resubmit", "carc": "CO-16"}\n```'))
        result = await llm.complete_structured(REQUEST, Route)
        assert result.value.route == "resubmit"

    @pytest.mark.parametrize(
        "answer",
        [
            malformed_json(),
            Reply("The route is appeal."),
            Reply.json({"route": "sue_the_insurer", "carc": "CO-197"}),  # an invented value
            Reply.json({"route": "appeal"}),  # a missing field
        ],
        ids=["cut-off", "prose", "invented-value", "missing-field"],
    )
    async def test_an_answer_outside_the_schema_is_a_bad_response(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, answer: Reply
    ) -> None:
        llm_server.script(answer)
        assert isinstance(await _fail(llm, "structured"), LLMBadResponse)


class TestStreaming:
    async def test_chunks_arrive_in_order_and_join_to_the_answer(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        pieces = ("Your claim ", "was denied ", "for lack of ", "prior authorization.")
        llm_server.script(Reply("".join(pieces), chunks=pieces))
        chunks = [chunk async for chunk in llm.stream(REQUEST)]
        assert chunks == list(pieces)
        assert all(type(chunk) is str for chunk in chunks)
        (received,) = llm_server.requests
        assert received.streamed

    async def test_a_stream_can_be_left_early(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply("one two three four"), Reply("again"))
        stream = llm.stream(REQUEST)
        assert isinstance(stream, AsyncGenerator)  # so it can be closed before its end
        assert await anext(stream) == "one "
        await stream.aclose()
        assert (await llm.complete(REQUEST)).text == "again"  # the connection pool is sound


class TestFailures:
    @pytest.mark.parametrize("how", ["complete", "structured", "stream"])
    async def test_429_is_rate_limited_with_retry_after_seconds(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, how: str
    ) -> None:
        llm_server.script(rate_limited("7"))
        error = await _fail(llm, how)
        assert isinstance(error, LLMRateLimited)
        assert error.retry_after_s == 7.0

    async def test_429_retry_after_may_be_an_http_date(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        when = datetime.now(UTC) + timedelta(seconds=30)
        llm_server.script(rate_limited(format_datetime(when, usegmt=True)))
        error = await _fail(llm, "complete")
        assert isinstance(error, LLMRateLimited)
        assert error.retry_after_s is not None
        assert 20 < error.retry_after_s <= 30

    @pytest.mark.parametrize("status", [500, 502, 503, 529])
    @pytest.mark.parametrize("how", ["complete", "stream"])
    async def test_5xx_is_a_server_error(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, status: int, how: str
    ) -> None:
        llm_server.script(server_error(status))
        assert isinstance(await _fail(llm, how), LLMServerError)

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
    async def test_other_4xx_is_a_rejected_request(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, status: int
    ) -> None:
        llm_server.script(Fail(status))
        assert isinstance(await _fail(llm, "complete"), LLMRequestRejected)

    @pytest.mark.parametrize("how", ["complete", "stream"])
    async def test_a_slow_answer_times_out_within_the_timeout(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, how: str
    ) -> None:
        llm_server.script(Reply("too late", delay_s=TIMEOUT_S + 5))
        started = time.monotonic()
        error = await _fail(llm, how)
        elapsed = time.monotonic() - started
        assert isinstance(error, LLMTimeout)
        assert TIMEOUT_S * 0.9 <= elapsed < TIMEOUT_S + 1.5

    async def test_a_stream_that_stalls_midway_times_out(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply("first then nothing", chunk_delay_s=TIMEOUT_S + 5))
        received: list[str] = []
        with pytest.raises(LLMTimeout):
            await _collect(llm.stream(REQUEST), into=received)
        assert received == ["first "]

    @pytest.mark.parametrize("content_type", ["application/json", "text/html"])
    async def test_a_body_that_is_not_the_protocol_is_a_bad_response(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, content_type: str
    ) -> None:
        llm_server.script(Raw("<html><body>Bad gateway</body></html>", content_type))
        assert isinstance(await _fail(llm, "complete"), LLMBadResponse)

    @pytest.mark.parametrize("provider", PROVIDERS)
    async def test_an_unreachable_server_is_a_server_error(self, provider: str) -> None:
        client = make_client(provider, f"http://127.0.0.1:{_closed_port()}")
        try:
            assert isinstance(await _fail(client, "complete"), LLMServerError)
        finally:
            await client.aclose()

    @pytest.mark.parametrize(
        "failure",
        [server_error(500), rate_limited("0"), Fail(408), Reply("late", delay_s=TIMEOUT_S + 5)],
        ids=["500", "429", "408", "slow"],
    )
    async def test_sdk_retries_are_off(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer, failure: Behaviour
    ) -> None:
        # Were the SDK to retry, the unscripted second attempt would be recorded too.
        llm_server.script(failure)
        await _fail(llm, "complete")
        assert len(llm_server.requests) == 1

    async def test_errors_are_ours_and_chain_the_sdk_error(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(rate_limited("1"))
        error = await _fail(llm, "complete")
        assert _is_ours(error)
        assert error.__cause__ is not None
        assert not _is_ours(error.__cause__)
        assert LETTER not in str(error)

    async def test_failures_are_logged_with_codes_never_text(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(server_error(503))
        with capture_logs() as logs:
            await _fail(llm, "complete")
        assert [(e["event"], e["error"], e["purpose"]) for e in logs] == [
            ("llm.call_failed", "llm_server_error", "explain")
        ]
        assert LETTER not in repr(logs)
        assert SYSTEM not in repr(logs)


class TestAuthentication:
    async def test_the_key_is_sent_as_the_providers_header(
        self, llm: BaseLLMClient, llm_server: FakeLLMServer
    ) -> None:
        llm_server.script(Reply("ok"))
        await llm.complete(REQUEST)
        headers = llm_server.requests[0].headers
        if llm.provider == "local":  # no key to send: a placeholder the server ignores
            assert API_KEY not in headers.get("authorization", "")
        else:  # OpenAI; and Anthropic's SDK 2.x sends its key as a Bearer token too
            assert headers["authorization"] == f"Bearer {API_KEY}"
        if llm.provider == "anthropic":
            assert headers["anthropic-version"]
