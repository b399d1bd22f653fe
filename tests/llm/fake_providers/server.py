"""`FakeLLMServer`: a real uvicorn server on 127.0.0.1:<ephemeral> in a background thread,
answering the OpenAI, Anthropic and Ollama routes from a per-test script."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import anthropic_api, openai_api
from .script import Behaviour, Echo, Fail, Raw, RecordedRequest, Reply, Respond

MODELS = ("smollm2", "qwen2.5")


class Wire(Protocol):
    """One protocol's renderer: the `openai_api` and `anthropic_api` modules."""

    def reply(self, body: Mapping[str, Any], answer: Reply) -> Response: ...

    def failure(self, fail: Fail) -> Response: ...


class FakeLLMServer:
    """Scriptable LLM endpoints. `script(...)` queues what the next requests get; an unscripted
    request gets a 599, so a test never passes on an answer it did not ask for."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Behaviour] = deque()
        self._default: Behaviour | None = None
        self._requests: list[RecordedRequest] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._release: asyncio.Event | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- the test's side ---------------------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours: each request takes the next one."""
        with self._lock:
            self._script.extend(behaviours)

    def always(self, behaviour: Behaviour | None) -> None:
        """What a request gets once the queue is empty (None: the 599 of an unscripted one)."""
        with self._lock:
            self._default = behaviour

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since the last reset, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget the script and the recordings, and wake any request still sleeping."""
        with self._lock:
            self._script.clear()
            self._requests.clear()
            self._default = None
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake_sleepers)

    def start(self) -> FakeLLMServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=2
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake LLM server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.reset()
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the server's side -------------------------------------------------------------------

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._endpoint(openai_api), methods=["POST"]),
                Route("/v1/messages", self._endpoint(anthropic_api), methods=["POST"]),
                Route("/api/tags", lambda _: openai_api.ollama_tags(MODELS)),
                Route("/v1/models", lambda _: openai_api.models_list(MODELS)),
            ]
        )

    def _endpoint(self, wire: Wire) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            recorded = RecordedRequest(
                method=request.method,
                path=request.url.path,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=await request.json(),
            )
            behaviour = self._next(recorded)
            return await self._answer(wire, recorded, behaviour)

        return endpoint

    def _next(self, recorded: RecordedRequest) -> Behaviour | None:
        with self._lock:
            self._requests.append(recorded)
            return self._script.popleft() if self._script else self._default

    async def _answer(
        self, wire: Wire, recorded: RecordedRequest, behaviour: Behaviour | None
    ) -> Response:
        match behaviour:
            case None:
                return JSONResponse({"error": "unscripted request"}, status_code=599)
            case Reply(delay_s=delay) if delay > 0:
                await self._sleep(delay)
                return wire.reply(recorded.body, behaviour)
            case Reply():
                return wire.reply(recorded.body, behaviour)
            case Echo():
                return wire.reply(recorded.body, Reply(recorded.last_user_text()))
            case Respond(answer=answer):
                return await self._answer(wire, recorded, answer(recorded))
            case Fail():
                return wire.failure(behaviour)
            case Raw(body=body, content_type=content_type):
                return Response(body, media_type=content_type)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, unless `reset` or `stop` wakes us first (so a slow answer never outlives its
        test)."""
        if self._release is None:
            self._loop, self._release = asyncio.get_running_loop(), asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), seconds)

    def _wake_sleepers(self) -> None:
        if self._release is not None:
            self._release.set()
            self._release = asyncio.Event()
