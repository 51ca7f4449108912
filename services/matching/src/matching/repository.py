"""SQL for opportunities, applications, proposals and rounds (asyncpg)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from matching import copy_rows

CAPACITY_LOCK_ID = 7_417_102  # serialises everything that takes or frees places


async def lock_capacity(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CAPACITY_LOCK_ID)


# --- opportunities -------------------------------------------------------------------------

async def insert_opportunity(conn: asyncpg.Connection, data: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO opportunities (opportunity_id, host_org_id, scheme, capacity, data)"
        " VALUES ($1, $2, $3, $4, $5)",
        uuid.UUID(str(data["opportunity_id"])), data["host_org_id"], data["scheme"],
        data["capacity"], data)


async def update_opportunity(conn: asyncpg.Connection, opportunity_id: uuid.UUID,
                             data: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE opportunities SET data = $2, capacity = $3, scheme = $4, updated_at = now()"
        " WHERE opportunity_id = $1", opportunity_id, data, data["capacity"], data["scheme"])


async def close_opportunity(conn: asyncpg.Connection, opportunity_id: uuid.UUID) -> None:
    await conn.execute("UPDATE opportunities SET status = 'closed', updated_at = now()"
                       " WHERE opportunity_id = $1", opportunity_id)


async def get_opportunity(conn: asyncpg.Connection, opportunity_id: uuid.UUID,
                          for_update: bool = False) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT * FROM opportunities WHERE opportunity_id = $1{lock}", opportunity_id)


async def list_opportunities(conn: asyncpg.Connection, host_org_id: str | None, limit: int,
                             offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM opportunities WHERE ($1::text IS NULL OR host_org_id = $1)"
        " ORDER BY created_at, opportunity_id LIMIT $2 OFFSET $3", host_org_id, limit, offset)


async def open_opportunities(conn: asyncpg.Connection, scheme: str | None = None,
                             only: uuid.UUID | None = None) -> list[asyncpg.Record]:
    """Open opportunities with a place left (closing date checked by the caller's rules)."""
    return await conn.fetch(
        "SELECT * FROM opportunities WHERE status = 'open' AND places_held < capacity"
        " AND ($1::text IS NULL OR scheme = $1) AND ($2::uuid IS NULL OR opportunity_id = $2)",
        scheme, only)


async def change_places(conn: asyncpg.Connection, opportunity_id: uuid.UUID, delta: int) -> None:
    await conn.execute(
        "UPDATE opportunities SET places_held = places_held + $2,"
        " proposals_made = proposals_made + GREATEST($2, 0) WHERE opportunity_id = $1",
        opportunity_id, delta)


# --- applications --------------------------------------------------------------------------

async def insert_application(conn: asyncpg.Connection, data: dict[str, Any],
                             correlation_id: uuid.UUID) -> bool:
    status = await conn.execute(
        "INSERT INTO applications (application_id, applicant_id, scheme, status, correlation_id,"
        " data) VALUES ($1, $2, $3, 'waiting', $4, $5) ON CONFLICT DO NOTHING",
        uuid.UUID(str(data["application_id"])), data["applicant_id"], data["scheme"],
        correlation_id, data)
    return status.endswith(" 1")


async def get_application(conn: asyncpg.Connection,
                          application_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM applications WHERE application_id = $1",
                               application_id)


async def waiting_applications(conn: asyncpg.Connection,
                               scheme: str | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM applications WHERE status = 'waiting'"
        " AND ($1::text IS NULL OR scheme = $1) ORDER BY application_id", scheme)


async def set_application_status(conn: asyncpg.Connection, application_id: uuid.UUID,
                                 status: str) -> None:
    await conn.execute("UPDATE applications SET status = $2, updated_at = now()"
                       " WHERE application_id = $1", application_id, status)


async def erase_applicant(conn: asyncpg.Connection, applicant_id: str) -> list[uuid.UUID]:
    rows = await conn.fetch(
        "UPDATE applications SET status = 'erased', data = jsonb_build_object("
        " 'scheme', scheme), applicant_id = 'erased', updated_at = now()"
        " WHERE applicant_id = $1 RETURNING application_id", applicant_id)
    return [r["application_id"] for r in rows]


# --- proposals -----------------------------------------------------------------------------

async def insert_proposal(conn: asyncpg.Connection, match_id: uuid.UUID,
                          application_id: uuid.UUID, opportunity_id: uuid.UUID, score: float,
                          explanation: dict[str, Any], round_id: uuid.UUID | None = None) -> None:
    await conn.execute(
        "INSERT INTO proposals (match_id, application_id, opportunity_id, score, explanation,"
        " round_id) VALUES ($1, $2, $3, $4, $5, $6)",
        match_id, application_id, opportunity_id, score, explanation, round_id)


async def tried_opportunities(conn: asyncpg.Connection,
                              application_id: uuid.UUID) -> frozenset[str]:
    rows = await conn.fetch("SELECT opportunity_id FROM proposals WHERE application_id = $1",
                            application_id)
    return frozenset(str(r["opportunity_id"]) for r in rows)


async def tried_applications(conn: asyncpg.Connection,
                             opportunity_id: uuid.UUID) -> frozenset[str]:
    rows = await conn.fetch("SELECT application_id FROM proposals WHERE opportunity_id = $1",
                            opportunity_id)
    return frozenset(str(r["application_id"]) for r in rows)


async def tried_pairs_of_waiting(conn: asyncpg.Connection) -> frozenset[tuple[str, str]]:
    rows = await conn.fetch(
        "SELECT p.application_id, p.opportunity_id FROM proposals p JOIN applications a"
        " USING (application_id) WHERE a.status = 'waiting'")
    return frozenset((str(r["application_id"]), str(r["opportunity_id"])) for r in rows)


async def live_proposal(conn: asyncpg.Connection, application_id: uuid.UUID
                        ) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM proposals WHERE application_id = $1 AND status = 'live'", application_id)


async def release_proposal(conn: asyncpg.Connection, match_id: uuid.UUID, reason: str,
                           confirmed_too: bool = False) -> bool:
    """Frees the place of a live (or, when asked, confirmed) proposal; False when it was
    already released (redelivery)."""
    held = ["live", "confirmed"] if confirmed_too else ["live"]
    row = await conn.fetchrow(
        "UPDATE proposals SET status = 'released', release_reason = $2, updated_at = now()"
        " WHERE match_id = $1 AND status = ANY($3::text[]) RETURNING opportunity_id",
        match_id, reason, held)
    if row is None:
        return False
    await change_places(conn, row["opportunity_id"], -1)
    return True


async def confirm_proposal(conn: asyncpg.Connection, match_id: uuid.UUID,
                           placement_id: uuid.UUID) -> bool:
    """False when the proposal is not live (released meanwhile, or a redelivery)."""
    status = await conn.execute("UPDATE proposals SET status = 'confirmed', placement_id = $2,"
                                " updated_at = now() WHERE match_id = $1 AND status = 'live'",
                                match_id, placement_id)
    return status.endswith(" 1")


async def proposal(conn: asyncpg.Connection, match_id: uuid.UUID) -> asyncpg.Record | None:
    """One proposal with its applicant and the owning host (for the caller's scope check)."""
    return await conn.fetchrow(
        "SELECT p.*, a.applicant_id, o.host_org_id FROM proposals p"
        " JOIN applications a USING (application_id) JOIN opportunities o USING (opportunity_id)"
        " WHERE p.match_id = $1", match_id)


async def candidates(conn: asyncpg.Connection, opportunity_id: uuid.UUID, limit: int,
                     offset: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT p.*, a.applicant_id FROM proposals p JOIN applications a USING (application_id)"
        " WHERE p.opportunity_id = $1 ORDER BY p.score DESC, p.created_at LIMIT $2 OFFSET $3",
        opportunity_id, limit, offset)


# --- rounds --------------------------------------------------------------------------------

async def insert_round(conn: asyncpg.Connection, round_id: uuid.UUID, requested_by: str,
                       params: dict[str, Any]) -> None:
    await conn.execute("INSERT INTO rounds (round_id, requested_by, params) VALUES ($1, $2, $3)",
                       round_id, requested_by, params)


async def finish_round(conn: asyncpg.Connection, round_id: uuid.UUID,
                       report: dict[str, Any]) -> None:
    await conn.execute("UPDATE rounds SET report = $2, finished_at = now() WHERE round_id = $1",
                       round_id, report)


async def get_round(conn: asyncpg.Connection, round_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM rounds WHERE round_id = $1", round_id)


async def list_rounds(conn: asyncpg.Connection, limit: int, offset: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM rounds ORDER BY started_at DESC LIMIT $1 OFFSET $2",
                            limit, offset)


PROPOSAL_COLUMNS = ("match_id", "application_id", "opportunity_id", "score", "explanation",
                    "round_id")
OUTBOX_COLUMNS = ("event_id", "topic", "key", "event_type", "payload", "headers")


@dataclass(frozen=True)
class RoundRows:
    """One batch of a round's rows, ready to write: proposals and outbox rows as binary COPY
    streams (copy_rows), and the applications the proposals go to."""

    proposals: bytes | None
    applications: list[uuid.UUID]
    outbox: bytes | None


def round_rows(proposals: list[tuple], outbox: list[tuple]) -> RoundRows:
    """`proposals`: (match_id, application_id, opportunity_id, score, explanation as JSON
    text, round_id) rows; `outbox`: (event_id, topic, key, event_type, payload, headers as
    JSON text) rows, in the events' order (CPU work a round does off the event loop, while
    the previous batch is being written)."""
    return RoundRows(
        copy_rows.encode(proposals, (copy_rows.uuid_field, copy_rows.uuid_field,
                                     copy_rows.uuid_field, copy_rows.float8_field,
                                     copy_rows.jsonb_field, copy_rows.uuid_field))
        if proposals else None,
        [row[1] for row in proposals],
        copy_rows.encode(outbox, (
            copy_rows.uuid_field, copy_rows.text_field, copy_rows.text_field,
            copy_rows.text_field, copy_rows.bytea_field, copy_rows.jsonb_field))
        if outbox else None)


async def save_round_rows(conn: asyncpg.Connection, rows: RoundRows) -> None:
    """One batch of a round: its proposals, their applications proposed, its events in the
    outbox. Outbox ids follow the stream's order, the events' order; the outbox's statement
    trigger wakes the relay (COPY fires it as an INSERT does). Event ids are new, so the
    outbox's ON CONFLICT of single adds is not needed here."""
    if rows.proposals is not None:
        # a memoryview: asyncpg would take bytes for a file's path
        await conn.copy_to_table("proposals", source=memoryview(rows.proposals),
                                 columns=PROPOSAL_COLUMNS, format="binary")
        # A join, not "= ANY(array)": with tens of thousands of ids the latter is a linear
        # search of the array for every row.
        await conn.execute(
            "UPDATE applications a SET status = 'proposed', updated_at = now()"
            " FROM unnest($1::uuid[]) AS u(id) WHERE a.application_id = u.id",
            rows.applications)
    if rows.outbox is not None:
        await conn.copy_to_table("outbox", source=memoryview(rows.outbox),
                                 columns=OUTBOX_COLUMNS, format="binary")


async def add_round_places(conn: asyncpg.Connection, taken: dict[uuid.UUID, int]) -> None:
    """The places a round's proposals hold, per opportunity, in one statement."""
    if not taken:
        return
    await conn.execute(
        "UPDATE opportunities o SET places_held = o.places_held + c.n,"
        " proposals_made = o.proposals_made + c.n FROM unnest($1::uuid[], $2::int[]) AS c(id, n)"
        " WHERE o.opportunity_id = c.id", list(taken), list(taken.values()))
