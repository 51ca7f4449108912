"""The live stream: Server-Sent Events read from the event log, resumable by seq."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sse_starlette import ServerSentEvent

from contracts import redact
from monitor import repository as repo
from monitor.domain import summary_of


def stream_item(row: asyncpg.Record) -> dict[str, Any]:
    payload = row["payload"]
    # The log holds redacted payloads already; redacting again keeps the stream safe even if
    # a row predates a field being marked PII.
    payload = redact(payload)
    return {
        "seq": row["seq"], "topic": row["topic"], "event_id": str(row["event_id"]),
        "event_type": row["event_type"], "occurred_at": row["occurred_at"].isoformat(),
        "received_at": row["received_at"].isoformat(),
        "correlation_id": str(row["correlation_id"]),
        "application_id": str(row["application_id"]) if row["application_id"] else None,
        "scheme": row["scheme"], "sector": row["sector"], "region": row["region"],
        "actor": row["actor"], "summary": summary_of(row["event_type"], payload),
        "payload": payload,
    }


def sse(row: asyncpg.Record) -> ServerSentEvent:
    # One event name ("event") so EventSource.onmessage-style readers need no type list;
    # the type is in the data and the filters.
    return ServerSentEvent(json.dumps(stream_item(row)), id=str(row["seq"]), event="event")


async def follow(pool: asyncpg.Pool, f: repo.StreamFilter, last_id: int | None, backlog: int,
                 poll_seconds: float) -> AsyncIterator[ServerSentEvent]:
    """Rows after last_id (a resume), or the last `backlog` matching rows, then live rows."""
    if last_id is None:
        cursor = await repo.max_seq(pool)
        for row in await repo.latest_events(pool, f, backlog) if backlog else []:
            cursor = max(cursor, row["seq"])  # a row may have landed after max_seq was read
            yield sse(row)
    else:
        cursor = last_id
    # A ready comment tells clients the subscription is in place (tests and the page use it).
    yield ServerSentEvent(comment=f"ready after {cursor}")
    while True:
        rows = await repo.events_after(pool, cursor, f)
        for row in rows:
            cursor = row["seq"]
            yield sse(row)
        if len(rows) < 500:
            await asyncio.sleep(poll_seconds)
