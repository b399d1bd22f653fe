"""The front door: who is calling, whether they may, and how often. A pure ASGI middleware.

For each request, in this order:
1. identify the caller (`auth.py`): the tenant of its API key, or the default tenant when
   the service is open (loopback);
2. count the request (`ratelimit.py`) against its route's limit, in the bucket of its tenant
   when a valid key proved it, else of its IP address (`client_ip.py`), so requests with
   missing or wrong keys count too and guessing keys is as rate-limited as anything else;
3. refuse with 429 (Retry-After and RateLimit-* headers) or 401 (WWW-Authenticate), in the one
   error shape;
4. otherwise hand the request on, with its tenant in `request.state` (read by `TenantDep`; the
   key's id too, read by `ActorDep`) and, with RATE_LIMIT_HEADERS=true,
   RateLimit-Limit/-Remaining/-Reset on the response.

Why a middleware rather than FastAPI dependencies (the usual home of auth in FastAPI):
- it answers before the body is read. FastAPI reads and parses a route's body (a multipart
  upload of up to MAX_UPLOAD_BYTES) before it runs any dependency, so an upload over the limit
  or without a key would be received in full only to be refused;
- it covers every request, including those that match no route or fail validation, so probing
  for paths counts and is refused like anything else;
- it can put the RateLimit-* headers on every response; headers set from a dependency are lost
  when a route returns a `Response` itself (artifact downloads do).
Routes stay thin and per-route limits stay visible where the route is defined: the route says
`openapi_extra=rate_limit(Limit.UPLOAD)`, and this middleware finds the limit of the route a
request will reach (`RouteLimits`) before routing.

Never limited and never asked for a key: the health probes (`/health*`) and `/metrics`, which
orchestrators and scrapers call on their own schedule. The API docs (`/docs`, `/redoc`,
`/openapi.json`) need no key but are rate-limited.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from denialops.api.auth import Authenticator, Identity
from denialops.api.client_ip import Network, client_ip
from denialops.api.errors import error_response
from denialops.api.ratelimit import RateLimiter, RouteLimits, Verdict
from denialops.errors import DenialOpsError, RateLimited

log = structlog.get_logger(__name__)

PUBLIC_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_exempt(path: str) -> bool:
    """Health probes and the metrics scrape: never limited, never asked for a key."""
    return path in ("/health", "/metrics") or path.startswith("/health/")


class AccessMiddleware:
    """Authentication and rate limiting for every HTTP request (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        authenticator: Authenticator,
        limiter: RateLimiter | None,
        trusted_proxies: Sequence[Network],
        route_limits: RouteLimits,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.limiter = limiter
        self.trusted_proxies = trusted_proxies
        self.route_limits = route_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only HTTP is served; lifespan (and websockets, of which there are none) pass through.
        if scope["type"] != "http" or is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        try:
            identity = await self.authenticator.identify(scope)
        except DenialOpsError as e:  # the key store is down: 503, never "your key is invalid"
            await _refuse(e, scope, receive, send)
            return
        verdict = await self._count(scope, identity)
        if verdict is not None and not verdict.allowed:
            await _refuse(_too_many(verdict), scope, receive, send)
            return
        if identity.tenant is None and scope["path"] not in PUBLIC_PATHS:
            log.info("auth.refused", reason=identity.failure)
            await _refuse(identity.refusal(), scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["tenant"] = identity.tenant
        if identity.key_id is not None:
            state["api_key_id"] = identity.key_id  # read by ActorDep, for the audit log
        await self.app(scope, receive, _with_headers(send, verdict))

    async def _count(self, scope: Scope, identity: Identity) -> Verdict | None:
        if self.limiter is None:
            return None
        limit = self.route_limits.limit_for(scope)
        if identity.by_key:
            client = f"tenant:{identity.tenant}"
        else:
            client = f"ip:{client_ip(scope, self.trusted_proxies)}"
        verdict = await self.limiter.hit(limit, client)
        if verdict is not None and not verdict.allowed:
            # The tenant is an account name; an address is never logged.
            log.info(
                "ratelimit.exceeded",
                limit=limit.value,
                tenant=identity.tenant if identity.by_key else None,
            )
        return verdict


def _too_many(verdict: Verdict) -> RateLimited:
    return RateLimited(
        f"too many requests: at most {verdict.limit} in this period; retry in {verdict.reset_s} s",
        headers=verdict.headers(),
    )


async def _refuse(error: DenialOpsError, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(error.status_code, error.code, error.message, error.headers)
    await response(scope, receive, send)


def _with_headers(send: Send, verdict: Verdict | None) -> Send:
    if verdict is None or verdict.remaining is None:  # RATE_LIMIT_HEADERS=false: not read
        return send
    extra = verdict.raw_headers()

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            # Appended as raw pairs: no response sets these names but this middleware, and
            # `MutableHeaders` would scan every header for each one.
            message["headers"] = [*message.get("headers", ()), *extra]
        await send(message)

    return send_with_headers
