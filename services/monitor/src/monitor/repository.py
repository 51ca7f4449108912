"""SQL for the event log and the dead letters (asyncpg)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from monitor.domain import LoggedEvent

# Every insert into `events` takes this lock for the rest of its transaction, so rows commit
# in seq order (a gap-free SSE cursor); the monitor is the only writer, so it costs little.
EVENTS_LOCK = 0x6D6F6E69746F72  # "monitor"


@dataclass(frozen=True)
class NewEvent:
    topic: str
    partition: int
    offset: int
    event_id: UUID
    event_type: str
    schema_version: int
    producer: str
    correlation_id: UUID
    causation_id: UUID | None
    application_id: UUID | None
    scheme: str | None
    sector: str | None
    region: str | None
    actor: str
    payload: dict[str, Any]
    occurred_at: Any


async def insert_event(conn: asyncpg.Connection, e: NewEvent) -> int | None:
    """Append one event; dimensions it lacks are taken from its journey's earlier events
    (an approval says nothing of sector, its match did). Returns seq, or None if present."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", EVENTS_LOCK)
    return await conn.fetchval(
        """
        WITH known AS (
            SELECT (array_agg(scheme ORDER BY seq DESC) FILTER (WHERE scheme IS NOT NULL))[1] s,
                   (array_agg(sector ORDER BY seq DESC) FILTER (WHERE sector IS NOT NULL))[1] c,
                   (array_agg(region ORDER BY seq DESC) FILTER (WHERE region IS NOT NULL))[1] r
            FROM events WHERE $9::uuid IS NOT NULL AND application_id = $9)
        INSERT INTO events (topic, "partition", "offset", event_id, event_type, schema_version,
                            producer, correlation_id, causation_id, application_id, scheme,
                            sector, region, actor, payload, occurred_at)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $14, $9, COALESCE($10, known.s),
               COALESCE($11, known.c), COALESCE($12, known.r), $13, $15::jsonb, $16
        FROM known
        ON CONFLICT (topic, "partition", "offset") DO NOTHING
        RETURNING seq
        """,
        e.topic, e.partition, e.offset, e.event_id, e.event_type, e.schema_version, e.producer,
        e.correlation_id, e.application_id, e.scheme, e.sector, e.region, e.actor,
        e.causation_id, e.payload, e.occurred_at)


STREAM_COLUMNS = """seq, topic, event_id, event_type, correlation_id, application_id, scheme,
    sector, region, actor, payload, occurred_at, received_at"""


@dataclass(frozen=True)
class StreamFilter:
    types: list[str] | None = None
    scheme: str | None = None
    sector: str | None = None
    region: str | None = None
    correlation_id: UUID | None = None

    def args(self) -> list[Any]:
        return [self.types, self.scheme, self.sector, self.region, self.correlation_id]


FILTER_SQL = """($2::text[] IS NULL OR event_type = ANY($2)) AND ($3::text IS NULL OR scheme = $3)
    AND ($4::text IS NULL OR sector = $4) AND ($5::text IS NULL OR region = $5)
    AND ($6::uuid IS NULL OR correlation_id = $6)"""


async def events_after(pool: asyncpg.Pool, after: int, f: StreamFilter,
                       limit: int = 500) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {STREAM_COLUMNS} FROM events WHERE seq > $1 AND {FILTER_SQL} "
        f"ORDER BY seq LIMIT {int(limit)}", after, *f.args())


async def latest_events(pool: asyncpg.Pool, f: StreamFilter, count: int) -> list[asyncpg.Record]:
    rows = await pool.fetch(
        f"SELECT {STREAM_COLUMNS} FROM events WHERE seq > $1 AND {FILTER_SQL} "
        f"ORDER BY seq DESC LIMIT {int(count)}", 0, *f.args())
    return list(reversed(rows))


async def max_seq(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT COALESCE(max(seq), 0) FROM events")


def logged(row: asyncpg.Record) -> LoggedEvent:
    return LoggedEvent(seq=row["seq"], event_type=row["event_type"],
                       occurred_at=row["occurred_at"], payload=row["payload"],
                       application_id=row["application_id"], scheme=row["scheme"],
                       sector=row["sector"], region=row["region"], actor=row["actor"])


_LOGGED = "seq, event_type, occurred_at, payload, application_id, scheme, sector, region, actor"


async def journey_events(pool: asyncpg.Pool, application_id: UUID) -> list[LoggedEvent]:
    rows = await pool.fetch(
        f"SELECT {_LOGGED} FROM events WHERE application_id = $1 OR correlation_id = $1 "
        "ORDER BY occurred_at, seq", application_id)
    return [logged(r) for r in rows]


async def application_of_placement(pool: asyncpg.Pool, placement_id: UUID) -> UUID | None:
    return await pool.fetchval(
        "SELECT application_id FROM events WHERE payload->>'placement_id' = $1 LIMIT 1",
        str(placement_id))


async def all_journey_events(pool: asyncpg.Pool) -> list[LoggedEvent]:
    rows = await pool.fetch(f"SELECT {_LOGGED} FROM events WHERE application_id IS NOT NULL "
                            "AND topic <> 'notifications'")
    return [logged(r) for r in rows]


async def opportunity_events(pool: asyncpg.Pool) -> list[LoggedEvent]:
    rows = await pool.fetch(f"SELECT {_LOGGED} FROM events WHERE topic = 'opportunities'")
    return [logged(r) for r in rows]


# Dead letters ---------------------------------------------------------------------------

async def insert_dead_letter(conn: asyncpg.Connection | asyncpg.Pool,
                             row: dict[str, Any]) -> int | None:
    return await conn.fetchval(
        """
        INSERT INTO dead_letters (topic, "partition", "offset", original_topic,
            original_partition, original_offset, consumer, reason, error, attempts, failed_at,
            key, value, headers)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb)
        ON CONFLICT (topic, "partition", "offset") DO NOTHING RETURNING id
        """,
        row["topic"], row["partition"], row["offset"], row["original_topic"],
        row["original_partition"], row["original_offset"], row["consumer"], row["reason"],
        row["error"], row["attempts"], row["failed_at"], row["key"], row["value"],
        row["headers"])


DEAD_LETTER_COLUMNS = """id, topic, "partition", "offset", original_topic, original_partition,
    original_offset, consumer, reason, error, attempts, failed_at, key, value, headers,
    received_at, replayed_at, replayed_by, erased_at"""


# A dead record is one original record, however many consumers dead-lettered it: its letters
# share the original (topic, partition, offset). A letter whose headers lack the position is
# a record of its own. The record's id is its first letter's id.
RECORD_SQL = """CASE WHEN original_partition IS NULL OR original_offset IS NULL
    THEN 'letter/' || id::text
    ELSE coalesce(original_topic, topic) || '/' || original_partition::text || '/'
         || original_offset::text END"""
RECORDS_SQL = f"""
    WITH letters AS (SELECT {DEAD_LETTER_COLUMNS}, {RECORD_SQL} AS record FROM dead_letters)
    SELECT min(id) AS id, (array_agg(original_topic ORDER BY id))[1] AS original_topic,
        (array_agg(original_partition ORDER BY id))[1] AS original_partition,
        (array_agg(original_offset ORDER BY id))[1] AS original_offset,
        (array_agg(value ORDER BY id))[1] AS value, max(erased_at) AS erased_at,
        bool_or(replayed_at IS NULL) AS open,
        CASE WHEN bool_and(replayed_at IS NOT NULL) THEN max(replayed_at) END AS replayed_at,
        (array_agg(replayed_by ORDER BY replayed_at DESC NULLS LAST))[1] AS replayed_by,
        jsonb_agg(jsonb_build_object(
            'dead_letter_id', id, 'consumer', consumer, 'reason', reason, 'error', error,
            'attempts', attempts, 'failed_at', failed_at, 'received_at', received_at,
            'replayed_at', replayed_at, 'replayed_by', replayed_by) ORDER BY id) AS failures
    FROM letters"""


async def dead_records(pool: asyncpg.Pool, include_replayed: bool, limit: int,
                       before: int | None) -> list[asyncpg.Record]:
    """Newest first; with include_replayed False, only records with a letter not replayed."""
    return await pool.fetch(
        f"{RECORDS_SQL} GROUP BY record HAVING ($1 OR bool_or(replayed_at IS NULL))"
        " AND ($2::bigint IS NULL OR min(id) < $2) ORDER BY min(id) DESC LIMIT $3",
        include_replayed, before, limit)


async def dead_record(conn: asyncpg.Connection, dead_letter_id: int) -> asyncpg.Record | None:
    """The record one of its letters belongs to."""
    return await conn.fetchrow(
        f"{RECORDS_SQL} WHERE record = (SELECT {RECORD_SQL} FROM dead_letters WHERE id = $1)"
        " GROUP BY record", dead_letter_id)


async def claim_dead_record(conn: asyncpg.Connection, dead_letter_id: int,
                            by: str) -> list[asyncpg.Record]:
    """Mark every open letter of the record replayed, in the caller's transaction (rows locked
    until it commits, so a concurrent claim waits, then finds none). First letter first."""
    return await conn.fetch(
        f"UPDATE dead_letters SET replayed_at = now(), replayed_by = $2"
        f" WHERE {RECORD_SQL} = (SELECT {RECORD_SQL} FROM dead_letters WHERE id = $1)"
        f" AND replayed_at IS NULL AND erased_at IS NULL"
        f" RETURNING {DEAD_LETTER_COLUMNS}", dead_letter_id, by)


async def erase_dead_letters(conn: asyncpg.Connection, applicant_id: str) -> int:
    """Blank the bytes of every dead letter that names this applicant (quoted id match:
    the bytes may not even be valid JSON, and ids are unique enough to match as text)."""
    status = await conn.execute(
        """UPDATE dead_letters SET value = ''::bytea, key = NULL, erased_at = now()
           WHERE erased_at IS NULL AND position(convert_to($1, 'UTF8') IN value) > 0""",
        f'"{applicant_id}"')
    return int(status.split()[-1])


async def erase_dead_letter_if_erased(conn: asyncpg.Connection, dead_letter_id: int) -> bool:
    """`erase_dead_letters` for one letter that arrived after its applicant's erasure."""
    status = await conn.execute(
        """UPDATE dead_letters d SET value = ''::bytea, key = NULL, erased_at = now()
           WHERE d.id = $1 AND d.erased_at IS NULL AND EXISTS (SELECT 1 FROM erased_applicants e
             WHERE position(convert_to('"' || e.applicant_id || '"', 'UTF8') IN d.value) > 0)""",
        dead_letter_id)
    return status.endswith(" 1")


async def open_dead_record_ids(pool: asyncpg.Pool, limit: int) -> list[int]:
    """Records with a letter still to replay (and not erased), oldest first."""
    return [r["id"] for r in await pool.fetch(
        f"SELECT min(id) AS id FROM dead_letters GROUP BY {RECORD_SQL}"
        " HAVING bool_or(replayed_at IS NULL AND erased_at IS NULL) ORDER BY 1 LIMIT $1",
        limit)]


async def dead_letter_exists(conn: asyncpg.Connection | asyncpg.Pool,
                             dead_letter_id: int) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM dead_letters WHERE id = $1", dead_letter_id))
