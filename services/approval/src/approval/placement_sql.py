"""SQL for a placement's life after confirmation: its end timer, the placements a person may
list, and the parties' feedback (asyncpg; callers own the transaction)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from approval.domain import Who
from approval.repository import PLACEMENT_VIEW

Record = asyncpg.Record
END = "placement_end"


async def set_end_timer(conn: asyncpg.Connection, placement_id: uuid.UUID) -> None:
    """The placement ends by itself once its end date is over (placement_end_moment)."""
    await conn.execute(
        "INSERT INTO timers (placement_id, kind, fire_at)"
        " SELECT id, $2, placement_end_moment(end_date) FROM placements WHERE id = $1"
        " ON CONFLICT (placement_id, kind) WHERE placement_id IS NOT NULL DO NOTHING",
        placement_id, END)


async def move_end_timer(conn: asyncpg.Connection, placement_id: uuid.UUID) -> None:
    """After an extension: the unfired timer moves to the new end date."""
    await conn.execute(
        "UPDATE timers t SET fire_at = placement_end_moment(p.end_date) FROM placements p"
        " WHERE p.id = $1 AND t.placement_id = p.id AND t.kind = $2 AND t.fired_at IS NULL",
        placement_id, END)


async def cancel_end_timer(conn: asyncpg.Connection, placement_id: uuid.UUID) -> None:
    """A person ended it first: the timer is closed without firing."""
    await conn.execute(
        "UPDATE timers SET fired_at = now(), outcome = 'cancelled'"
        " WHERE placement_id = $1 AND kind = $2 AND fired_at IS NULL", placement_id, END)


async def lock_unfired(conn: asyncpg.Connection, timer_id: int) -> bool:
    """The timer is still to fire (a stale or second firing of it finds it fired)."""
    return await conn.fetchval("SELECT true FROM timers WHERE id = $1 AND fired_at IS NULL"
                               " FOR UPDATE", timer_id) is True


def _visible(who: Who, first: int) -> tuple[str, list[Any]]:
    """SQL mirror of domain.party_of: the placements the caller is a party to."""
    if who.is_central_hr:
        return "true", []
    orgs = {"hr": "c.organisation_id", "host": "c.host_org_id", "employer": "c.organisation_id"}
    sides = [f"{column} = ${first + 1}" for role, column in orgs.items()
             if role in who.roles and who.org]
    return (f"(c.applicant_id = ${first}" + "".join(f" OR {s}" for s in sides) + ")",
            [who.id, *([who.org] if sides else [])])


async def list_placements(conn: asyncpg.Connection, who: Who, application_id: uuid.UUID | None,
                          status: str | None, limit: int, offset: int) -> list[Record]:
    where, args = _visible(who, 5)
    return await conn.fetch(
        f"{PLACEMENT_VIEW} WHERE ($1::uuid IS NULL OR c.application_id = $1)"
        f" AND ($2::text IS NULL OR p.status = $2) AND {where}"
        " ORDER BY p.end_date DESC, p.id LIMIT $3 OFFSET $4",
        application_id, status, limit, offset, *args)


FEEDBACK_COLUMNS = ("placement_id", "party", "given_by", "overall", "objectives_met",
                    "skills_value", "would_recommend", "comments", "event_id")


async def insert_feedback(conn: asyncpg.Connection, row: dict[str, Any]) -> bool:
    """False when this party's feedback was already given (the first one stands)."""
    marks = ", ".join(f"${i}" for i in range(1, len(FEEDBACK_COLUMNS) + 1))
    done = await conn.fetchval(
        f"INSERT INTO placement_feedback ({', '.join(FEEDBACK_COLUMNS)}) VALUES ({marks})"
        " ON CONFLICT (placement_id, party) DO NOTHING RETURNING true",
        *(row[c] for c in FEEDBACK_COLUMNS))
    return done is True


async def feedback(conn: asyncpg.Connection, placement_id: uuid.UUID,
                   parties: list[str] | None = None) -> list[Record]:
    """The placement's feedback, of the given parties only (None: all of them)."""
    return await conn.fetch(
        "SELECT * FROM placement_feedback WHERE placement_id = $1"
        " AND ($2::text[] IS NULL OR party = ANY($2)) ORDER BY given_at, party",
        placement_id, parties)

