"""SQL over the event log for a round's report."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg


async def round_events(pool: asyncpg.Pool, round_id: UUID) -> list[dict[str, Any]]:
    """The round's RoundMatched, MatchProposed and NoMatchFound payloads, each event once
    (a record published twice is logged at two offsets with one event id)."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (event_id) payload FROM events"
        " WHERE payload ? 'round_id' AND payload->>'round_id' = $1"
        " AND event_type IN ('RoundMatched', 'MatchProposed', 'NoMatchFound')"
        " ORDER BY event_id, seq", str(round_id))
    return [r["payload"] for r in rows]


async def opportunities_as_of(pool: asyncpg.Pool, ids: list[str],
                              at: str) -> dict[str, dict[str, Any]]:
    """Each opportunity as its latest published or amended event before `at` said."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (payload->>'opportunity_id') payload FROM events"
        " WHERE topic = 'opportunities' AND payload->>'opportunity_id' = ANY($1::text[])"
        " AND event_type IN ('OpportunityPublished', 'OpportunityAmended')"
        " AND occurred_at <= $2::text::timestamptz"
        " ORDER BY payload->>'opportunity_id', occurred_at DESC, seq DESC", ids, at)
    return {r["payload"]["opportunity_id"]: r["payload"] for r in rows}


async def matched_rounds(pool: asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT DISTINCT ON (occurred_at, event_id) payload FROM events"
        " WHERE event_type = 'RoundMatched' ORDER BY occurred_at DESC, event_id LIMIT $1",
        limit)
    return [r["payload"] for r in rows]


async def lists_as_of(pool: asyncpg.Pool, applications: list[str], opportunities: list[str],
                      at: str) -> list[dict[str, Any]]:
    """The latest RankingSubmitted of each application and HostRankingSubmitted of each
    opportunity before `at`: the lists as submitted when the round ran."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (event_type, payload->>'application_id', payload->>'opportunity_id')"
        " payload FROM events WHERE occurred_at <= $3::text::timestamptz AND ("
        " (event_type = 'RankingSubmitted' AND payload->>'application_id' = ANY($1::text[]))"
        " OR (event_type = 'HostRankingSubmitted'"
        " AND payload->>'opportunity_id' = ANY($2::text[])))"
        " ORDER BY event_type, payload->>'application_id', payload->>'opportunity_id',"
        " occurred_at DESC, seq DESC", applications, opportunities, at)
    return [r["payload"] for r in rows]
