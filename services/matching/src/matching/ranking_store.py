"""SQL for rank order lists, hosts' rankings, the round open for ranking and HR's targets."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

# --- applicants' lists ---------------------------------------------------------------------


async def replace_choices(conn: asyncpg.Connection, application_id: uuid.UUID,
                          opportunity_ids: list[uuid.UUID]) -> None:
    await conn.execute("DELETE FROM choices WHERE application_id = $1", application_id)
    await conn.execute("INSERT INTO ranked_applications (application_id) VALUES ($1)"
                       " ON CONFLICT (application_id) DO UPDATE SET submitted_at = now()",
                       application_id)
    await conn.execute(
        "INSERT INTO choices (application_id, opportunity_id, position)"
        " SELECT $1, o, n FROM unnest($2::uuid[]) WITH ORDINALITY AS u(o, n)",
        application_id, opportunity_ids)


async def choices_of(conn: asyncpg.Connection,
                     application_id: uuid.UUID) -> tuple[list[uuid.UUID], Any]:
    rows = await conn.fetch("SELECT opportunity_id FROM choices"
                            " WHERE application_id = $1 ORDER BY position", application_id)
    submitted_at = await conn.fetchval("SELECT submitted_at FROM ranked_applications"
                                       " WHERE application_id = $1", application_id)
    return [r["opportunity_id"] for r in rows], submitted_at


async def opportunities_by_id(conn: asyncpg.Connection,
                              ids: list[uuid.UUID]) -> dict[uuid.UUID, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM opportunities WHERE opportunity_id = ANY($1::uuid[])",
                            ids)
    return {r["opportunity_id"]: r for r in rows}


async def waiting_choices(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """Every waiting application's list, most wanted first (ids as text, as the core uses)."""
    rows = await conn.fetch(
        "SELECT r.application_id::text AS a, array_remove(array_agg(c.opportunity_id::text"
        " ORDER BY c.position), NULL) AS os FROM ranked_applications r"
        " JOIN applications p USING (application_id) LEFT JOIN choices c USING (application_id)"
        " WHERE p.status = 'waiting' GROUP BY r.application_id")
    return {r["a"]: list(r["os"]) for r in rows}


async def rankers_of(conn: asyncpg.Connection, opportunity_id: uuid.UUID) -> list[asyncpg.Record]:
    """Applications (live or not) that ranked this opportunity, with their data."""
    return await conn.fetch(
        "SELECT a.*, c.position AS choice FROM choices c JOIN applications a"
        " USING (application_id) WHERE c.opportunity_id = $1 ORDER BY a.application_id",
        opportunity_id)


async def forget_choices(conn: asyncpg.Connection, application_ids: list[uuid.UUID]) -> None:
    """An erased applicant's lists and the hosts' places for them go too."""
    await conn.execute("DELETE FROM choices WHERE application_id = ANY($1::uuid[])",
                       application_ids)
    await conn.execute("DELETE FROM ranked_applications WHERE application_id = ANY($1::uuid[])",
                       application_ids)
    await conn.execute("DELETE FROM host_rankings WHERE application_id = ANY($1::uuid[])",
                       application_ids)


async def proposal(conn: asyncpg.Connection, match_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow("SELECT p.*, a.applicant_id FROM proposals p JOIN applications a"
                               " USING (application_id) WHERE p.match_id = $1", match_id)


# --- hosts' rankings -----------------------------------------------------------------------


async def replace_host_ranking(conn: asyncpg.Connection, opportunity_id: uuid.UUID,
                               order: list[uuid.UUID], excluded: list[tuple[uuid.UUID, str]],
                               by: str) -> None:
    await conn.execute("DELETE FROM host_rankings WHERE opportunity_id = $1", opportunity_id)
    await conn.execute(
        "INSERT INTO host_rankings (opportunity_id, application_id, position, ranked_by)"
        " SELECT $1, a, n, $3 FROM unnest($2::uuid[]) WITH ORDINALITY AS u(a, n)",
        opportunity_id, order, by)
    if excluded:
        ids, reasons = [e[0] for e in excluded], [e[1] for e in excluded]
        await conn.execute(
            "INSERT INTO host_rankings (opportunity_id, application_id, excluded_reason,"
            " ranked_by) SELECT $1, a, r, $4 FROM unnest($2::uuid[], $3::text[]) AS u(a, r)",
            opportunity_id, ids, reasons, by)
        await conn.execute(
            "INSERT INTO exclusion_audit (opportunity_id, application_id, reason, excluded_by)"
            " SELECT $1, a, r, $4 FROM unnest($2::uuid[], $3::text[]) AS u(a, r)",
            opportunity_id, ids, reasons, by)


async def host_ranking(conn: asyncpg.Connection,
                       opportunity_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM host_rankings WHERE opportunity_id = $1"
                            " ORDER BY position NULLS LAST, application_id", opportunity_id)


async def exclusion_history(conn: asyncpg.Connection,
                            opportunity_id: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM exclusion_audit WHERE opportunity_id = $1"
                            " ORDER BY id", opportunity_id)


async def all_host_rankings(conn: asyncpg.Connection
                            ) -> tuple[dict[str, dict[str, int]], frozenset[tuple[str, str]]]:
    """For a round: per opportunity, application -> host position (1 = best; positions are
    stored contiguous); and the excluded pairs. One row per opportunity, not per candidate."""
    rows = await conn.fetch(
        "SELECT opportunity_id::text AS o, array_agg(application_id::text ORDER BY position)"
        " FILTER (WHERE position IS NOT NULL) AS ranked, array_agg(application_id::text)"
        " FILTER (WHERE position IS NULL) AS excluded FROM host_rankings GROUP BY opportunity_id")
    order = {r["o"]: {a: n for n, a in enumerate(r["ranked"], 1)} for r in rows if r["ranked"]}
    excluded = frozenset((a, r["o"]) for r in rows for a in r["excluded"] or ())
    return order, excluded


# --- rounds open for ranking ---------------------------------------------------------------


async def open_round(conn: asyncpg.Connection) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM rounds WHERE status = 'ranking'")


async def open_a_round(conn: asyncpg.Connection, round_id: uuid.UUID, requested_by: str,
                       params: dict[str, Any], timetable: dict[str, Any],
                       seed: int) -> asyncpg.Record:
    """Opens a round, or answers the one already open (the unique index decides a race).
    The open one may be matched between our insert and our read: then try again."""
    while True:
        row = await conn.fetchrow(
            "INSERT INTO rounds (round_id, requested_by, params, status, ranking_opens_at,"
            " ranking_deadline, match_at, seed) VALUES ($1, $2, $3, 'ranking', $4, $5, $6, $7)"
            " ON CONFLICT ((true)) WHERE status = 'ranking' DO NOTHING RETURNING *",
            round_id, requested_by, params, timetable.get("ranking_opens_at"),
            timetable.get("ranking_deadline"), timetable.get("match_at"), seed)
        row = row if row is not None else await open_round(conn)
        if row is not None:
            return row


async def due_round(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The open round whose match day has come, or a timetabled round that has run but whose
    clearing has not started (a failure between the two is picked up again)."""
    return await conn.fetchrow(
        "SELECT * FROM rounds WHERE match_at <= now() AND (status = 'ranking'"
        " OR clearing_from IS NULL) ORDER BY status = 'ranking' DESC LIMIT 1")


async def start_clearing(conn: asyncpg.Connection, round_id: uuid.UUID) -> None:
    await conn.execute("UPDATE rounds SET clearing_from = now() WHERE round_id = $1", round_id)


async def clearing(conn: asyncpg.Connection) -> bool:
    """True from a timetabled round's match day until the next round opens."""
    return bool(await conn.fetchval(
        "SELECT NOT EXISTS (SELECT 1 FROM rounds WHERE status = 'ranking') AND EXISTS ("
        " SELECT 1 FROM rounds WHERE clearing_from IS NOT NULL)"))


async def lock_round(conn: asyncpg.Connection, round_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM rounds WHERE round_id = $1 FOR UPDATE", round_id)


async def close_round(conn: asyncpg.Connection, round_id: uuid.UUID, params: dict[str, Any],
                      report: dict[str, Any]) -> None:
    await conn.execute("UPDATE rounds SET status = 'matched', params = $2, report = $3,"
                       " finished_at = now() WHERE round_id = $1", round_id, params, report)


# --- targets -------------------------------------------------------------------------------


async def replace_targets(conn: asyncpg.Connection, targets: list[tuple[str, str, float]],
                          by: str) -> None:
    await conn.execute("DELETE FROM targets")
    await conn.executemany("INSERT INTO targets (dimension, value, share, set_by)"
                           " VALUES ($1, $2, $3, $4)", [(*t, by) for t in targets])


async def targets(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM targets ORDER BY dimension, value")


async def held_since(conn: asyncpg.Connection, round_id: uuid.UUID,
                     since: Any) -> list[asyncpg.Record]:
    """The opportunities of the places still held from a round and from clearing after it
    (one row per place): what clearing counts towards the targets."""
    return await conn.fetch(
        "SELECT o.data FROM proposals p JOIN opportunities o USING (opportunity_id)"
        " WHERE p.status IN ('live', 'confirmed') AND (p.round_id = $1"
        " OR (p.round_id IS NULL AND p.created_at >= $2))", round_id, since)


async def clearing_round(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The round whose clearing is under way (none while a round is open for ranking)."""
    return await conn.fetchrow(
        "SELECT * FROM rounds WHERE clearing_from IS NOT NULL AND NOT EXISTS ("
        " SELECT 1 FROM rounds WHERE status = 'ranking') ORDER BY clearing_from DESC LIMIT 1")
