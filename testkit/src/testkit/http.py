"""The transport under every caller: one pooled HTTP client per service, dev tokens, retries.

Two retry policies, chosen by `retry_for`:
- 0 (tests that act as people): nothing is retried but a read on a connection the server was
  just closing (a GET is sent once more); a write that may have been applied is the caller's
  to judge.
- > 0 (robots driving a system whose services may be SIGKILLed): connection errors and
  429/502/503/504 are retried with backoff for up to that many seconds, writes too: every
  write the robots make is safe to repeat (Idempotency-Key on submissions, a stage's decision
  is a pure function of its id, start/end answer 409 once done).

A service may run as several replicas (one database, one consumer group): give its base URLs
as a list and calls take them in turn, each attempt the next one, so a retry after a
replica went away goes to another, as behind a load balancer.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter
from shared.auth import mint_dev_token
from shared.settings import DEV_JWT_SECRET

T = TypeVar("T")
SERVICES = ("applicant", "matching", "approval", "notification", "monitor")
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class ApiError(AssertionError):
    """An HTTP answer other than the one expected, with what the service said. An
    AssertionError, so a test that meets one fails (rather than errors) with the reason."""

    def __init__(self, response: httpx.Response, expected: tuple[int, ...]) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.url} -> {response.status_code} "
                         f"(expected {expected}): {response.text[:1000]}")
        self.status_code = response.status_code
        self.response = response


class GaveUp(RuntimeError):
    """A service stayed away (or busy) for longer than the retry budget."""


def urls_from_base_port(base_port: int, host: str = "127.0.0.1") -> dict[str, str]:
    """The local convention: the five services on consecutive ports (docs/conventions.md)."""
    return {name: f"http://{host}:{base_port + i}" for i, name in enumerate(SERVICES)}


@cache
def _adapter(shape: Any) -> TypeAdapter:
    return TypeAdapter(shape)


def parse(response: httpx.Response, shape: type[T] | Any, *expected: int) -> T:
    """The body as `shape` (a response model, list[...] of one, or dict for untyped JSON),
    after checking the status; None for an empty body."""
    wanted = expected or (200,)
    if response.status_code not in wanted:
        raise ApiError(response, wanted)
    if not response.content:
        return None  # type: ignore[return-value]
    return _adapter(shape).validate_json(response.content)


def to_json(body: BaseModel | Mapping[str, Any] | None) -> Any:
    """What goes on the wire: only the fields the caller set (the server fills defaults)."""
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return body


class Api:
    """The HTTP clients for one running system; `urls` maps service name -> base URL, or a
    list of its replicas' base URLs (taken in turn). `on_retry(service, reason)` hears of each
    retried call (the fault runs count them)."""

    def __init__(self, urls: Mapping[str, str | Sequence[str]], *, timeout: float = 15.0,
                 connections: int = 64, retry_for: float = 0.0,
                 on_retry: Callable[[str, str], None] | None = None,
                 secret: str = DEV_JWT_SECRET) -> None:
        self.replicas = {s: [u] if isinstance(u, str) else list(u) for s, u in urls.items()}
        self.urls = {s: us[0] for s, us in self.replicas.items()}  # the first, for messages
        self._turns = {s: itertools.cycle(range(len(us))) for s, us in self.replicas.items()}
        self.timeout = timeout
        self.connections = connections
        self.retry_for = retry_for
        self.on_retry = on_retry or (lambda service, reason: None)
        self.secret = secret
        self._http: dict[tuple[str, int], httpx.AsyncClient] = {}
        self._tokens: dict[tuple, str] = {}

    def token(self, sub: str, roles: tuple[str, ...], org: str | None) -> str:
        key = (sub, roles, org)
        if key not in self._tokens:
            self._tokens[key] = mint_dev_token(sub, list(roles), org, secret=self.secret)
        return self._tokens[key]

    def http(self, service: str, replica: int = 0) -> httpx.AsyncClient:
        client = self._http.get((service, replica))
        if client is None:
            # uvicorn drops a keep-alive connection after 5 s idle and httpx's default expiry
            # is also 5 s: a request could go out on a socket the server was just closing.
            limits = httpx.Limits(max_connections=self.connections,
                                  max_keepalive_connections=self.connections,
                                  keepalive_expiry=2.0)
            client = httpx.AsyncClient(
                base_url=self.replicas[service][replica], timeout=self.timeout,
                transport=httpx.AsyncHTTPTransport(retries=2, limits=limits))
            self._http[(service, replica)] = client
        return client

    async def send(self, service: str, method: str, path: str, token: str, *,
                   json: Any = None, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        deadline = time.monotonic() + self.retry_for
        for attempt in range(1_000_000):
            try:
                response = await self.http(service, next(self._turns[service])).request(
                    method, path, json=json, params=params, headers=all_headers)
            except httpx.TransportError as exc:
                if not self.retry_for and (attempt or method != "GET"
                                           or not isinstance(exc, (httpx.ReadError,
                                                                   httpx.RemoteProtocolError))):
                    raise
                reason, wait = type(exc).__name__, _backoff(attempt)
            else:
                if not self.retry_for or response.status_code not in RETRY_STATUSES:
                    return response
                reason, wait = str(response.status_code), _backoff(attempt)
                if response.status_code == 429:
                    wait = float(response.headers.get("Retry-After", "1"))
            if not self.retry_for:
                continue  # the one GET re-sent at once
            self.on_retry(service, reason)
            if time.monotonic() + wait > deadline:
                raise GaveUp(f"{method} {service}{path}: still {reason} after "
                             f"{self.retry_for:.0f}s")
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self._http.values()))
        self._http.clear()

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _backoff(attempt: int) -> float:
    return min(2.0, 0.05 * 2 ** attempt) * random.uniform(0.5, 1.0)
