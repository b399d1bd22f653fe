"""Refuse oversized request bodies while they stream in, before they are buffered.

A declared `Content-Length` over the limit is answered 413 at once, without reading the body.
A chunked body is counted as it arrives and cut off the moment it passes the limit, so memory
never grows by the size of what a client tries to send.
"""

from __future__ import annotations

import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from denialops.api.errors import error_response

# Multipart framing (boundaries, part headers, the doc_type field) on top of the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Pure ASGI middleware: uploads may be `upload_limit` bytes, other bodies `json_limit`."""

    def __init__(self, app: ASGIApp, *, upload_limit: int, json_limit: int = 64 * 1024) -> None:
        self.app = app
        self.upload_max = upload_limit
        self.upload_limit = upload_limit + MULTIPART_OVERHEAD
        self.json_limit = json_limit

    def _limit_for(self, scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"")
        return (
            self.upload_limit
            if content_type.startswith(b"multipart/form-data")
            else self.json_limit
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, self._shown(limit))
            return

        received = 0
        exceeded = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body is cut off, whatever the app answers is replaced by our 413.
            if not exceeded:
                await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded:
            await self._refuse(scope, receive, send, self._shown(limit))

    def _shown(self, limit: int) -> int:
        """The limit as the user knows it (MAX_UPLOAD_BYTES, not counting multipart framing)."""
        return self.upload_max if limit == self.upload_limit else limit

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413, "payload_too_large", f"request body exceeds the limit of {limit} bytes"
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
