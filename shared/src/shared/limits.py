"""HTTP guards: body size cap, per-caller write rate limit, correlation id on every request."""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Caller, CallerDep
from shared.logging import bound_contextvars

MAX_PAGE_SIZE = 200
# Deeper than any real list; bounds offsets so a huge one is a 422, not a database overflow.
MAX_OFFSET = 1_000_000
# The paging query parameters of the list endpoints.
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
# Largest PostgreSQL bigint: the cap on integer ids taken from a URL.
MAX_BIGINT = 2**63 - 1


class BodySizeLimit:
    """Rejects bodies over max_bytes with 413, whether or not Content-Length is honest."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._reject(send)
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": self._message(), "field": None}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})


class CorrelationIdMiddleware:
    """Binds X-Correlation-ID (or a new one) to the logs of the request and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers", [])).get(b"x-correlation-id", b"").decode()
        cid = given or str(uuid.uuid4())

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-correlation-id", cid.encode()))
            await send(message)

        with bound_contextvars(correlation_id=cid):
            await self.app(scope, receive, send_with_header)


class RateLimiter:
    """Token bucket per caller id, in process memory (each service instance limits its own)."""

    # Full buckets carry no information; past this many callers they are forgotten.
    PRUNE_ABOVE = 10_000

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait_seconds(self, key: str) -> float:
        """Takes a token and returns 0, or returns how long until one is free."""
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self._prune(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def allow(self, key: str) -> bool:
        return self.wait_seconds(key) == 0.0

    def _prune(self, now: float) -> None:
        if len(self._buckets) > self.PRUNE_ABOVE:
            self._buckets = {k: (t, last) for k, (t, last) in self._buckets.items()
                             if t + (now - last) * self.rate < self.capacity}


async def write_limited(request: Request, caller: CallerDep) -> Caller:
    """Use on write endpoints: the authenticated caller, or 429 past their rate."""
    limiter: RateLimiter | None = getattr(request.app.state, "write_limiter", None)
    wait = limiter.wait_seconds(caller.id) if limiter is not None else 0.0
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            detail=f"too many write requests from {caller.id} (at most "
                                   f"{limiter.capacity:.0f} a minute); retry in {seconds} s",
                            headers={"Retry-After": str(seconds)})
    return caller


WriterDep = Annotated[Caller, Depends(write_limited)]
