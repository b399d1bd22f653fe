"""What differs between the adapters, and the pure helpers they share: Retry-After parsing,
status mapping, strict JSON schemas, the JSON instruction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from denialops.errors import (
    LLMBadResponse,
    LLMRateLimited,
    LLMRequestRejected,
    LLMServerError,
    LLMTimeout,
)
from denialops.llm.models import CompletionRequest, Message
from denialops.llm.providers._errors import error_for_status, retry_after_s
from denialops.llm.providers._json import schema_name, strict_schema, with_json_instruction

from .conftest import make_client
from .fake_providers import Behaviour, Fail, FakeLLMServer, Raw, Reply, rate_limited

REQUEST = CompletionRequest(
    messages=(
        Message(role="system", content="First rule."),
        Message(role="system", content="Second rule."),
        Message(role="user", content="The letter."),
        Message(role="assistant", content="A draft."),
        Message(role="user", content="Shorter, please."),
    ),
    temperature=0.0,
    max_tokens=321,
)


class Strict(BaseModel):
    route: str
    codes: list[str]


class Nested(BaseModel):
    inner: Strict
    note: str


class WithDefault(BaseModel):
    route: str
    note: str = ""


class WithMapping(BaseModel):
    counts: dict[str, int]


class TestRetryAfter:
    @pytest.mark.parametrize(
        ("headers", "expected"),
        [
            ({"retry-after": "7"}, 7.0),
            ({"retry-after": "0.5"}, 0.5),
            ({"retry-after": "-3"}, 0.0),
            ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
            ({}, None),
            ({"retry-after": "soon"}, None),
            ({"retry-after": "nan"}, None),
            ({"retry-after": "inf"}, None),
        ],
    )
    def test_seconds(self, headers: dict[str, str], expected: float | None) -> None:
        assert retry_after_s(headers) == expected

    def test_an_http_date_is_the_time_until_then(self) -> None:
        when = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
        wait = retry_after_s({"retry-after": when})
        assert wait is not None
        assert 55 < wait <= 60

    def test_a_date_in_the_past_means_now(self) -> None:
        when = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
        assert retry_after_s({"retry-after": when}) == 0.0


class TestStatusMapping:
    @pytest.mark.parametrize(
        ("status", "kind"),
        [
            (429, LLMRateLimited),
            (408, LLMTimeout),
            (500, LLMServerError),
            (529, LLMServerError),
            (400, LLMRequestRejected),
            (401, LLMRequestRejected),
            (413, LLMRequestRejected),
        ],
    )
    def test_status_to_error(self, status: int, kind: type[Exception]) -> None:
        error = error_for_status("openai", status, {})
        assert type(error) is kind
        assert str(status) in error.message


class TestJsonSchema:
    @pytest.mark.parametrize(
        ("schema", "strict"),
        [(Strict, True), (Nested, True), (WithDefault, False), (WithMapping, False)],
    )
    def test_strict_only_when_the_schema_allows_it(
        self, schema: type[BaseModel], strict: bool
    ) -> None:
        json_schema, is_strict = strict_schema(schema)
        assert is_strict is strict
        assert json_schema["additionalProperties"] is False

    def test_every_nested_object_is_closed(self) -> None:
        json_schema, _ = strict_schema(Nested)
        assert json_schema["$defs"]["Strict"]["additionalProperties"] is False

    def test_names_are_what_response_formats_accept(self) -> None:
        generic = type("Answer[list[int]]", (Strict,), {})
        assert schema_name(generic) == "Answer_list_int__"

    def test_the_instruction_comes_first_and_carries_the_schema(self) -> None:
        asked = with_json_instruction(REQUEST, Strict)
        assert asked.messages[1:] == REQUEST.messages
        assert asked.messages[0].role == "system"
        assert '"codes"' in asked.messages[0].content


@pytest.mark.anyio
class TestWireDetails:
    async def test_anthropic_joins_system_messages_into_the_system_field(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("anthropic", llm_server.url)
        llm_server.script(Reply("ok"))
        await client.complete(REQUEST)
        await client.aclose()
        body = llm_server.requests[0].body
        assert body["system"] == "First rule.\n\nSecond rule."
        assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
        assert body["max_tokens"] == 321
        assert "temperature" not in body  # the 2026-10-21 API rejects it

    @pytest.mark.parametrize(
        ("model", "sends_temperature"),
        [("gpt-4o-mini", True), ("gpt-4.1", True), ("gpt-5.4-mini", False), ("o3", False)],
    )
    async def test_openai_sends_temperature_only_to_models_that_take_it(
        self, llm_server: FakeLLMServer, model: str, sends_temperature: bool
    ) -> None:
        client = make_client("openai", llm_server.url, model=model)
        llm_server.script(Reply("ok"))
        await client.complete(REQUEST)
        await client.aclose()
        body = llm_server.requests[0].body
        assert ("temperature" in body) is sends_temperature
        assert body["max_completion_tokens"] == 321
        assert [m["role"] for m in body["messages"]] == [
            "system",
            "system",
            "user",
            "assistant",
            "user",
        ]

    async def test_local_uses_max_tokens_and_always_sends_temperature(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("local", llm_server.url, model="qwen2.5")
        llm_server.script(Reply("ok"))
        await client.complete(REQUEST)
        await client.aclose()
        body = llm_server.requests[0].body
        assert body["max_tokens"] == 321
        assert "max_completion_tokens" not in body
        assert body["temperature"] == 0.0

    @pytest.mark.parametrize(
        ("provider", "body"),
        [
            (
                "openai",
                '{"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},'
                ' "finish_reason": "stop"}], "usage": {"prompt_tokens": "many"}}',
            ),
            (
                "anthropic",
                '{"type": "message", "role": "assistant", "content": [{"type": "text",'
                ' "text": "hi"}], "usage": {"input_tokens": "many", "output_tokens": 1}}',
            ),
            ("anthropic", '{"type": "message", "role": "assistant", "content": []}'),
            ("openai", '{"choices": [{"index": 0, "message": {"role": "assistant"}}]}'),
        ],
        ids=["openai-bad-usage", "anthropic-bad-usage", "anthropic-no-text", "openai-no-text"],
    )
    async def test_a_well_formed_body_with_wrong_fields_is_a_bad_response(
        self, llm_server: FakeLLMServer, provider: str, body: str
    ) -> None:
        client = make_client(provider, llm_server.url)
        llm_server.script(Raw(body))
        try:
            with pytest.raises(LLMBadResponse):
                await client.complete(REQUEST)
        finally:
            await client.aclose()

    async def test_aclose_twice_is_harmless(self, llm_server: FakeLLMServer) -> None:
        for provider in ("openai", "anthropic", "local"):
            client = make_client(provider, llm_server.url)
            await client.aclose()
            await client.aclose()


@pytest.mark.anyio
class TestLocalJsonFormat:
    """Servers disagree on the response format: llama-cpp-python's refuses json_schema (with a
    500) and takes json_object + schema; Ollama, vLLM and llama-server take json_schema."""

    REFUSED = Fail(500, message="1 validation error: Input should be 'text' or 'json_object'")

    @staticmethod
    def _formats(server: FakeLLMServer) -> list[str]:
        return [r.body["response_format"]["type"] for r in server.requests]

    async def test_a_refused_json_schema_is_retried_as_json_object_with_the_schema(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("local", llm_server.url)
        answer = Reply.json({"route": "appeal", "codes": ["CO-197"]})
        llm_server.script(self.REFUSED, answer, answer)
        try:
            first = await client.complete_structured(REQUEST, Strict)
            second = await client.complete_structured(REQUEST, Strict)
        finally:
            await client.aclose()
        assert first.value == second.value == Strict(route="appeal", codes=["CO-197"])
        # Refused once, then json_object for the rest of the client's life.
        assert self._formats(llm_server) == ["json_schema", "json_object", "json_object"]
        fmt = llm_server.requests[1].body["response_format"]
        assert fmt["schema"]["required"] == ["route", "codes"]
        assert fmt["schema"]["additionalProperties"] is False
        assert '"codes"' in llm_server.requests[1].prompt_text()  # and still in the prompt

    async def test_once_json_schema_worked_a_failure_is_not_retried(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("local", llm_server.url)
        llm_server.script(Reply.json({"route": "appeal", "codes": []}), self.REFUSED)
        try:
            await client.complete_structured(REQUEST, Strict)
            with pytest.raises(LLMServerError):
                await client.complete_structured(REQUEST, Strict)
        finally:
            await client.aclose()
        assert self._formats(llm_server) == ["json_schema", "json_schema"]

    async def test_when_both_formats_fail_the_second_error_is_raised_and_nothing_is_kept(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("local", llm_server.url)
        llm_server.script(Fail(400), Fail(413), Reply.json({"route": "appeal", "codes": []}))
        try:
            with pytest.raises(LLMRequestRejected) as info:
                await client.complete_structured(REQUEST, Strict)
            await client.complete_structured(REQUEST, Strict)
        finally:
            await client.aclose()
        assert "413" in info.value.message
        assert self._formats(llm_server) == ["json_schema", "json_object", "json_schema"]

    @pytest.mark.parametrize(
        "failure", [Reply("late", delay_s=5), rate_limited("0")], ids=["timeout", "429"]
    )
    async def test_a_timeout_or_a_rate_limit_is_not_a_refused_format(
        self, llm_server: FakeLLMServer, failure: Behaviour
    ) -> None:
        client = make_client("local", llm_server.url)
        llm_server.script(failure)
        try:
            with pytest.raises((LLMTimeout, LLMRateLimited)):
                await client.complete_structured(REQUEST, Strict)
        finally:
            await client.aclose()
        assert self._formats(llm_server) == ["json_schema"]

    async def test_long_bounds_are_left_to_validation_and_short_ones_are_sent(
        self, llm_server: FakeLLMServer
    ) -> None:
        # llama.cpp unrolls bounds into grammar rules: 4000 makes a grammar it cannot parse.
        client = make_client("local", llm_server.url)
        answer = Reply.json({"maxLength": "x", "paragraphs": ["p"], "code": "CO-197"})
        llm_server.script(self.REFUSED, answer)
        try:
            result = await client.complete_structured(REQUEST, Bounded)
        finally:
            await client.aclose()
        assert result.value.code == "CO-197"
        for received in llm_server.requests:
            fmt = received.body["response_format"]
            sent = fmt["schema"] if fmt["type"] == "json_object" else fmt["json_schema"]["schema"]
            paragraphs = sent["properties"]["paragraphs"]
            assert "maxLength" not in paragraphs["items"]
            assert paragraphs["maxItems"] == 6
            assert sent["properties"]["code"]["maxLength"] == 8
            assert "maxLength" in sent["properties"]  # a field's name is not a bound

    async def test_validation_still_enforces_the_bounds_left_out(
        self, llm_server: FakeLLMServer
    ) -> None:
        client = make_client("local", llm_server.url)
        llm_server.script(Reply.json({"maxLength": "x", "paragraphs": ["p" * 4001], "code": "C"}))
        try:
            with pytest.raises(LLMBadResponse):
                await client.complete_structured(REQUEST, Bounded)
        finally:
            await client.aclose()


class Bounded(BaseModel):
    maxLength: str  # a field named like a JSON Schema keyword
    paragraphs: list[Annotated[str, Field(max_length=4000)]] = Field(max_length=6)
    code: str = Field(max_length=8)
