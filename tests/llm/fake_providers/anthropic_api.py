"""The Anthropic messages wire format: `POST /v1/messages`, plain or `stream: true` as the
event stream message_start, content_block_start, content_block_delta…, content_block_stop,
message_delta, message_stop."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from .script import Fail, Reply

_ERROR_TYPES = {429: "rate_limit_error", 529: "overloaded_error", 400: "invalid_request_error"}


def reply(body: Mapping[str, Any], answer: Reply) -> Response:
    """The message for `answer`, as one JSON body or as an event stream."""
    if body.get("stream"):
        return StreamingResponse(_events(body, answer), media_type="text/event-stream")
    message = _message(body, answer, content=[{"type": "text", "text": answer.text}])
    message["stop_reason"] = "end_turn"
    message["usage"]["output_tokens"] = answer.output_tokens
    return JSONResponse(message)


def failure(fail: Fail) -> Response:
    kind = _ERROR_TYPES.get(fail.status, "api_error")
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": fail.message}},
        status_code=fail.status,
        headers=dict(fail.headers),
    )


def _message(body: Mapping[str, Any], answer: Reply, content: list[Any]) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": content,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": answer.input_tokens, "output_tokens": 1},
    }


async def _events(body: Mapping[str, Any], answer: Reply) -> AsyncIterator[str]:
    yield _event("message_start", {"message": _message(body, answer, content=[])})
    block = {"type": "text", "text": ""}
    yield _event("content_block_start", {"index": 0, "content_block": block})
    yield _event("ping", {})
    for i, piece in enumerate(answer.stream_chunks()):
        if i and answer.chunk_delay_s:
            await asyncio.sleep(answer.chunk_delay_s)  # cancelled when the client hangs up
        delta = {"type": "text_delta", "text": piece}
        yield _event("content_block_delta", {"index": 0, "delta": delta})
    yield _event("content_block_stop", {"index": 0})
    yield _event(
        "message_delta",
        {
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": answer.output_tokens},
        },
    )
    yield _event("message_stop", {})


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"
