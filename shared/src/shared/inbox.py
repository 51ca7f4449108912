"""Idempotent inbox: the (consumer, event_id) row commits with the effect, or neither does."""

import asyncpg

from contracts import Event


async def record(conn: asyncpg.Connection, consumer: str, event: Event, topic: str) -> bool:
    """True when this event is new for this consumer; a redelivery only bumps the counter."""
    return await conn.fetchval(
        "INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3)"
        " ON CONFLICT (consumer, event_id) DO UPDATE SET duplicates = inbox.duplicates + 1"
        " RETURNING xmax = 0", consumer, event.event_id, topic)


async def duplicates_seen(conn: asyncpg.Connection, consumer: str | None = None) -> int:
    return await conn.fetchval(
        "SELECT coalesce(sum(duplicates), 0) FROM inbox WHERE $1::text IS NULL OR consumer = $1",
        consumer)
