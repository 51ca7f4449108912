"""Central HR's view of the monitor, called with the signed-in person's own token: the latest
events (read off the monitor's live stream up to its 'ready' mark, for the server-rendered
page) and the live stream itself, relayed byte for byte to the browser's EventSource. The
token stays in this process: the browser only ever talks to the web service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from web.apis import Apis, ServiceDown, outcome

# The filters the monitor's stream accepts; anything else in the query string is dropped.
STREAM_FILTERS = ("type", "scheme", "sector", "region", "correlation_id")


def stream_params(query: Any, **extra: Any) -> dict[str, Any]:
    params = {k: query.get(k, "").strip() for k in STREAM_FILTERS}
    return {k: v for k, v in {**params, **extra}.items() if v not in (None, "")}


async def open_stream(apis: Apis, user: dict[str, Any], params: dict[str, Any],
                      last_event_id: str | None = None) -> httpx.Response:
    """The monitor's SSE response, status 200 checked (else the usual page outcomes)."""
    headers = {"Authorization": f"Bearer {user['access_token']}",
               "Accept": "text/event-stream"}
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    # Connecting is bounded like any call; once open, the monitor's pings keep reads alive.
    timeout = httpx.Timeout(apis.timeout, read=apis.stream_read_seconds)
    request = apis.streams.build_request("GET", apis.bases["monitor"] + "/stream",
                                         params=params, headers=headers, timeout=timeout)
    try:
        response = await apis.streams.send(request, stream=True)
    except httpx.HTTPError as exc:
        raise ServiceDown(f"monitor: {type(exc).__name__}") from None
    if response.status_code != 200:
        try:
            await response.aread()
        finally:
            await response.aclose()
        outcome("monitor", response)  # raises the page outcome for this status
    return response


async def recent_events(apis: Apis, user: dict[str, Any], params: dict[str, Any],
                        count: int) -> list[dict[str, Any]]:
    """The last `count` matching events, newest first: the stream's backlog, read until the
    monitor marks the subscription ready (nothing live is waited for)."""
    response = await open_stream(apis, user, {**params, "backlog": count})
    events: list[dict[str, Any]] = []
    data: list[str] = []
    try:
        async for line in response.aiter_lines():
            if line.startswith(": ready"):
                break
            if line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
            elif not line and data:
                events.append(json.loads("\n".join(data)))
                data = []
    except httpx.HTTPError as exc:
        raise ServiceDown(f"monitor stream: {type(exc).__name__}") from None
    finally:
        await response.aclose()
    return events[::-1]


async def relay(response: httpx.Response) -> AsyncIterator[bytes]:
    """The monitor's frames as they come; the upstream stream closes with the browser's."""
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return  # the monitor went away: the browser's EventSource reconnects with its id
    finally:
        await response.aclose()
