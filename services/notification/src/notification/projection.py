"""Facts kept from events this service reads, so messages can name what they are about: an
opportunity's title and host (topic `opportunities`), and which opportunity a match, and so
an approval case, concerns (topic `matches`). Events on different topics arrive in no fixed
order: when a fact is not here yet, the message says it in general words instead."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from contracts import Event, MatchProposed, OpportunityAmended, OpportunityPublished


async def remember(conn: asyncpg.Connection, event: Event) -> None:
    if isinstance(event, OpportunityPublished | OpportunityAmended):
        await conn.execute(
            "INSERT INTO opportunity_facts (opportunity_id, host_org_id, host_name, title)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (opportunity_id) DO UPDATE"
            " SET host_org_id = $2, host_name = $3, title = $4, updated_at = now()",
            event.opportunity_id, event.host_org_id, event.host_name, event.title)
    elif isinstance(event, MatchProposed):
        await conn.execute(
            "INSERT INTO match_facts (match_id, application_id, opportunity_id, proposed_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (match_id) DO NOTHING",
            event.match_id, event.application_id, event.opportunity_id, event.occurred_at)


async def opportunity_of(conn: asyncpg.Connection, event: Event) -> dict[str, Any] | None:
    """{"title", "host"} of the opportunity `event` is about, if known."""
    opportunity_id = getattr(event, "opportunity_id", None)
    if opportunity_id is None:
        opportunity_id = await _via_match(conn, getattr(event, "match_id", None),
                                          getattr(event, "application_id", None))
    if opportunity_id is None:
        return None
    row = await conn.fetchrow(
        "SELECT title, host_name FROM opportunity_facts WHERE opportunity_id = $1",
        opportunity_id)
    return {"title": row["title"], "host": row["host_name"]} if row else None


async def _via_match(conn: asyncpg.Connection, match_id: uuid.UUID | None,
                     application_id: uuid.UUID | None) -> uuid.UUID | None:
    if match_id is not None:
        found = await conn.fetchval(
            "SELECT opportunity_id FROM match_facts WHERE match_id = $1", match_id)
        if found is not None:
            return found
    if application_id is None:
        return None
    # No match named (a withdrawal): the latest placement proposed for the application.
    return await conn.fetchval(
        "SELECT opportunity_id FROM match_facts WHERE application_id = $1"
        " ORDER BY proposed_at DESC LIMIT 1", application_id)

