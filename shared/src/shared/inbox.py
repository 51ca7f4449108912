"""Idempotent inbox: the (consumer, event_id) row commits with the effect, or neither does."""

from collections import Counter
from uuid import UUID

import asyncpg

from contracts import Event


async def record(conn: asyncpg.Connection, consumer: str, event: Event, topic: str) -> bool:
    """True when this event is new for this consumer; a redelivery only bumps the counter."""
    return await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3)"
        " ON CONFLICT (consumer, event_id) DO UPDATE SET duplicates = inbox.duplicates + 1"
        " RETURNING xmax = 0", consumer, event.event_id, topic)


async def record_many(conn: asyncpg.Connection, consumer: str,
                      events: list[tuple[UUID, str]]) -> set[UUID]:
    """`record` for a batch of (event_id, topic) in one statement; returns the ids that are new.

    An id repeated within the batch is inserted once, its repeats counted as duplicates (one
    statement may not touch a row twice)."""
    counts = Counter(event_id for event_id, _ in events)
    topics = dict(events)
    ids = list(counts)
    rows = await conn.fetch(
        "INSERT INTO inbox (consumer, event_id, topic, duplicates)"
        " SELECT $1, e, t, n - 1 FROM unnest($2::uuid[], $3::text[], $4::int[]) AS x(e, t, n)"
        " ON CONFLICT (consumer, event_id)"
        " DO UPDATE SET duplicates = inbox.duplicates + EXCLUDED.duplicates + 1"
        " RETURNING event_id, xmax = 0 AS fresh",
        consumer, ids, [topics[i] for i in ids], [counts[i] for i in ids])
    return {r["event_id"] for r in rows if r["fresh"]}


async def duplicates_seen(conn: asyncpg.Connection, consumer: str | None = None) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(duplicates), 0) FROM inbox WHERE $1::text IS NULL OR consumer = $1",
        consumer)
