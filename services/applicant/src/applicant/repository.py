"""SQL for profiles, applications, timelines and idempotency keys (asyncpg). Callers own the
transaction; jsonb columns go through the pool's json codec."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

from applicant.domain import LIVE_SQL

Record = asyncpg.Record

PROFILE_COLUMNS = ("kind", "name", "email", "organisation_id", "grade", "profession", "role",
                   "clearance_held", "skills", "sectors", "preferred_regions",
                   "preferred_countries", "available_from", "available_until", "line_manager_id",
                   "declared_interests")
APPLICATION_COLUMNS = ("id", "applicant_id", "scheme", "sectors", "preferred_regions",
                       "preferred_countries", "earliest_start", "desired_length_months",
                       "opportunity_id", "status", "status_at", "awaiting_what",
                       "awaiting_from", "home_region", "baseline", "follow_up_consent")


async def upsert_applicant(conn: asyncpg.Connection, applicant_id: str,
                           fields: dict[str, Any]) -> tuple[Record, bool]:
    """The stored profile, and whether it was created (not updated) by this call."""
    cols = ", ".join(PROFILE_COLUMNS)
    marks = ", ".join(f"${i}" for i in range(2, len(PROFILE_COLUMNS) + 2))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in PROFILE_COLUMNS)
    row = await conn.fetchrow(
        f"INSERT INTO applicants (id, {cols}) VALUES ($1, {marks})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}, erased_at = NULL, updated_at = now()"
        " RETURNING *, (xmax = 0) AS created", applicant_id,
        *(fields[c] for c in PROFILE_COLUMNS))
    return row, row["created"]


async def get_applicant(conn: asyncpg.Connection, applicant_id: str,
                        lock: bool = False) -> Record | None:
    # An erased profile is gone as far as every reader is concerned.
    sql = ("SELECT * FROM applicants WHERE id = $1 AND erased_at IS NULL"
           + (" FOR UPDATE" if lock else ""))
    return await conn.fetchrow(sql, applicant_id)


# The profile a submission reads and the applicant's data key in one round trip: the key is
# made from $2 when there is none (crypto-shredding, shared.crypto). Under a race with another
# first submission the insert may yield to it unseen by this snapshot: the key reads as null and
# `data_key` fetches it after.
_PROFILE_AND_KEY_SQL = (
    "WITH p AS (SELECT * FROM applicants WHERE id = $1 AND erased_at IS NULL),"
    " made AS (INSERT INTO data_keys (applicant_id, key) SELECT id, $2 FROM p"
    "  ON CONFLICT DO NOTHING RETURNING key)"
    " SELECT p.*, coalesce((SELECT key FROM made),"
    "  (SELECT key FROM data_keys WHERE applicant_id = $1)) AS data_key FROM p")


async def applicant_with_key(conn: asyncpg.Connection, applicant_id: str,
                             new_key: bytes) -> Record | None:
    """The live profile with a `data_key` column (stored from `new_key` if there was none);
    None for no profile or an erased one (and then no key is made)."""
    return await conn.fetchrow(_PROFILE_AND_KEY_SQL, applicant_id, new_key)


async def live_applications(conn: asyncpg.Connection, applicant_id: str,
                            scheme: str | None = None) -> list[Record]:
    return await conn.fetch(
        f"SELECT id, scheme, status FROM applications WHERE applicant_id = $1 AND {LIVE_SQL}"
        " AND ($2::text IS NULL OR scheme = $2) ORDER BY created_at", applicant_id, scheme)


_TIMELINE_COLUMNS = ("event_id", "event_type", "occurred_at", "summary", "status",
                     "awaiting_what", "awaiting_from")
_TIMELINE_TYPES = ("uuid", "text", "timestamptz", "text", "text", "text", "text")


def _insert_with_line_sql() -> str:
    n = len(APPLICATION_COLUMNS)
    marks = ", ".join(f"${i}" for i in range(1, n + 1))
    line = ", ".join(f"${n + i}::{t}" for i, t in enumerate(_TIMELINE_TYPES, 1))
    return (f"WITH app AS (INSERT INTO applications ({', '.join(APPLICATION_COLUMNS)})"
            f" VALUES ({marks}) RETURNING *),"
            f" line AS (INSERT INTO timeline (application_id, {', '.join(_TIMELINE_COLUMNS)})"
            f" SELECT id, {line} FROM app ON CONFLICT (event_id) DO NOTHING)"
            " SELECT * FROM app")


_INSERT_WITH_LINE_SQL = _insert_with_line_sql()


async def insert_application_with_line(conn: asyncpg.Connection, row: dict[str, Any],
                                       line: dict[str, Any]) -> Record:
    """A new application and its first timeline line (`add_timeline`'s fields) in one
    statement: a submission's round trips are most of its time in the transaction."""
    return await conn.fetchrow(_INSERT_WITH_LINE_SQL, *(row[c] for c in APPLICATION_COLUMNS),
                               *(line[c] for c in _TIMELINE_COLUMNS))


async def get_application(conn: asyncpg.Connection, application_id: uuid.UUID,
                          lock: bool = False) -> Record | None:
    sql = "SELECT * FROM applications WHERE id = $1" + (" FOR UPDATE" if lock else "")
    return await conn.fetchrow(sql, application_id)


async def list_applications(conn: asyncpg.Connection, *, applicant_id: str | None,
                            status: str | None, scheme: str | None, limit: int,
                            offset: int) -> tuple[list[Record], int]:
    where = ("($1::text IS NULL OR applicant_id = $1) AND ($2::text IS NULL OR status = $2)"
             " AND ($3::text IS NULL OR scheme = $3)")
    rows = await conn.fetch(f"SELECT * FROM applications WHERE {where}"
                            " ORDER BY created_at DESC, id LIMIT $4 OFFSET $5",
                            applicant_id, status, scheme, limit, offset)
    total = await conn.fetchval(f"SELECT count(*) FROM applications WHERE {where}",
                                applicant_id, status, scheme)
    return rows, total


async def set_status(conn: asyncpg.Connection, application_id: uuid.UUID, status: str,
                     at: datetime, awaiting_what: str | None,
                     awaiting_from: str | None) -> Record:
    return await conn.fetchrow(
        "UPDATE applications SET status = $2, status_at = $3, awaiting_what = $4,"
        " awaiting_from = $5, updated_at = now() WHERE id = $1 RETURNING *",
        application_id, status, at, awaiting_what, awaiting_from)


async def add_timeline(conn: asyncpg.Connection, application_id: uuid.UUID, *,
                       event_id: uuid.UUID, event_type: str, occurred_at: datetime,
                       summary: str, status: str | None = None, awaiting_what: str | None = None,
                       awaiting_from: str | None = None) -> None:
    await conn.execute(
        "INSERT INTO timeline (application_id, event_id, event_type, occurred_at, summary,"
        " status, awaiting_what, awaiting_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (event_id) DO NOTHING", application_id, event_id, event_type,
        occurred_at, summary, status, awaiting_what, awaiting_from)


async def timeline(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Record]:
    return await conn.fetch("SELECT * FROM timeline WHERE application_id = $1"
                            " ORDER BY occurred_at, id", application_id)


# --- idempotency keys -------------------------------------------------------------------------

async def claim_key(conn: asyncpg.Connection, caller_id: str, key: str, request_hash: str,
                    retention_hours: float) -> bool:
    """True when this request owns the key. A concurrent request with the same key waits here
    on the primary key until the first commits (then False) or rolls back (then True)."""
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE caller_id = $1 AND key = $2"
        " AND created_at < now() - make_interval(secs => $3)", caller_id, key,
        retention_hours * 3600)
    claimed = await conn.fetchval(
        "INSERT INTO idempotency_keys (caller_id, key, request_hash) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true", caller_id, key, request_hash)
    return claimed is True


async def key_result(conn: asyncpg.Connection, caller_id: str, key: str) -> Record | None:
    """The request's hash and the application it made."""
    return await conn.fetchrow("SELECT request_hash, application_id FROM idempotency_keys"
                               " WHERE caller_id = $1 AND key = $2", caller_id, key)


async def save_key_result(conn: asyncpg.Connection, caller_id: str, key: str,
                          application_id: uuid.UUID) -> None:
    await conn.execute("UPDATE idempotency_keys SET application_id = $3"
                       " WHERE caller_id = $1 AND key = $2", caller_id, key, application_id)


# --- erasure and data keys --------------------------------------------------------------------

async def data_key(conn: asyncpg.Connection, applicant_id: str, create: bytes | None = None
                   ) -> bytes | None:
    """The applicant's data key; with `create`, that key is stored first if there is none."""
    if create is not None:
        await conn.execute("INSERT INTO data_keys (applicant_id, key) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING", applicant_id, create)
    return await conn.fetchval("SELECT key FROM data_keys WHERE applicant_id = $1", applicant_id)


async def erase_applicant(conn: asyncpg.Connection, applicant_id: str) -> list[uuid.UUID]:
    """Shred the key, blank the profile and free text; the applications' ids, for the event.
    Status history stays (it names nobody) so KPIs still count the journey."""
    await conn.execute("DELETE FROM data_keys WHERE applicant_id = $1", applicant_id)
    await conn.execute(
        "UPDATE applicants SET name = '', email = '', organisation_id = '', grade = NULL,"
        " profession = NULL, role = NULL, skills = '[]', sectors = '[]',"
        " preferred_regions = '[]', preferred_countries = '[]', available_from = NULL,"
        " available_until = NULL, line_manager_id = NULL, declared_interests = '[]',"
        " erased_at = now(), updated_at = now() WHERE id = $1", applicant_id)
    ids = [r["id"] for r in await conn.fetch(
        "SELECT id FROM applications WHERE applicant_id = $1", applicant_id)]
    # A withdrawal reason is the applicant's own words; the line stays, the words go.
    await conn.execute("UPDATE timeline SET summary = 'application withdrawn'"
                       " WHERE application_id = ANY($1) AND event_type = 'ApplicationWithdrawn'",
                       ids)
    await conn.execute("DELETE FROM idempotency_keys WHERE caller_id = $1", applicant_id)
    return ids
