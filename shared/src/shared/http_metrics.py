"""HTTP request metrics as a pure ASGI middleware (shared.metrics.instrument_http installs it).

The same series prometheus-fastapi-instrumentator wrote (`bps_http_requests_total`,
`bps_http_request_duration_seconds`, labels handler, method, status), measured for a fraction
of its cost: the route template is read from the scope after the router has matched it
(Starlette puts the route there) instead of matching every route a second time, and no
Request or Response objects are built around each call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The instrumentator's defaults, so dashboards keep their buckets.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
                   10.0, float("inf"))
LABELS = ("handler", "method", "status")


class HttpSeries:
    """The two series of one app's registry, with their labelled children kept at hand."""

    def __init__(self, registry: CollectorRegistry, excluded: frozenset[str]) -> None:
        self.requests = Counter("bps_http_requests_total",
                                "Total number of requests by method, status and handler.",
                                LABELS, registry=registry)
        self.latency = Histogram("bps_http_request_duration_seconds",
                                 "Duration of HTTP requests in seconds", LABELS,
                                 buckets=LATENCY_BUCKETS, registry=registry)
        self.excluded = excluded
        self._children: dict[tuple[str, str, str], tuple] = {}

    def observe(self, handler: str, method: str, status: str, seconds: float) -> None:
        labels = (handler, method, status)
        children = self._children.get(labels)
        if children is None:  # a handful of routes × statuses: bounded
            children = self._children[labels] = (self.requests.labels(*labels),
                                                  self.latency.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)


@dataclass(frozen=True)
class HttpMetrics:
    """Counts and times every request by route template (`none` when no route matched),
    method and exact status; probes and scrapes (`series.excluded`) are left out."""

    app: ASGIApp
    series: HttpSeries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        # The router stored the matched (or method-mismatched) route in this very scope.
        route = scope.get("route")
        handler = getattr(route, "path", None)
        if (handler or scope["path"]) in self.series.excluded:
            return
        self.series.observe(handler or "none", scope["method"], str(status), max(seconds, 0.0))
