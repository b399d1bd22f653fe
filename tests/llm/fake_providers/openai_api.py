"""The OpenAI chat-completions wire format (also what Ollama, llama.cpp and vLLM speak):
`POST /v1/chat/completions`, plain or `stream: true` as SSE chunks ending in `data: [DONE]`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from .script import Fail, Reply

_CREATED = int(time.time())


def reply(body: Mapping[str, Any], answer: Reply) -> Response:
    """The completion for `answer`, as one JSON body or as an SSE stream."""
    if body.get("stream"):
        return StreamingResponse(_chunks(body, answer), media_type="text/event-stream")
    return JSONResponse(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": _CREATED,
            "model": body.get("model", "fake"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": answer.text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": answer.input_tokens,
                "completion_tokens": answer.output_tokens,
                "total_tokens": answer.input_tokens + answer.output_tokens,
            },
        }
    )


def failure(fail: Fail) -> Response:
    kind = "rate_limit_exceeded" if fail.status == 429 else "server_error"
    return JSONResponse(
        {"error": {"message": fail.message, "type": kind, "param": None, "code": kind}},
        status_code=fail.status,
        headers=dict(fail.headers),
    )


async def _chunks(body: Mapping[str, Any], answer: Reply) -> AsyncIterator[str]:
    pieces = answer.stream_chunks()
    yield _event(body, {"role": "assistant", "content": ""}, None)
    for i, piece in enumerate(pieces):
        if i and answer.chunk_delay_s:
            await asyncio.sleep(answer.chunk_delay_s)  # cancelled when the client hangs up
        yield _event(body, {"content": piece}, None)
    yield _event(body, {}, "stop")
    yield "data: [DONE]\n\n"


def _event(body: Mapping[str, Any], delta: dict[str, Any], finish: str | None) -> str:
    chunk = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def ollama_tags(models: tuple[str, ...]) -> Response:
    """`GET /api/tags`: Ollama's list of pulled models."""
    return JSONResponse(
        {
            "models": [
                {
                    "name": f"{name}:latest",
                    "model": f"{name}:latest",
                    "modified_at": "2026-01-01T00:00:00Z",
                    "size": 1_000_000,
                    "digest": "0" * 64,
                    "details": {"format": "gguf", "family": "llama"},
                }
                for name in models
            ]
        }
    )


def models_list(models: tuple[str, ...]) -> Response:
    """`GET /v1/models`: the OpenAI-compatible model list."""
    return JSONResponse(
        {
            "object": "list",
            "data": [
                {"id": name, "object": "model", "created": _CREATED, "owned_by": "library"}
                for name in models
            ],
        }
    )
