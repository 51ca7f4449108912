"""SQL for messages, contacts, webhooks and rate buckets (asyncpg)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import asyncpg

from notification.domain import PENDING_APPLICANT, PENDING_NAME, Bucket, Recipient, Status

MESSAGE_COLUMNS = (
    "id, source_event_id, source_event_type, correlation_id, application_id, recipient_id,"
    " recipient_role, recipient_user, recipient_org, channel, template, subject, body, payload,"
    " status, attempts, next_attempt_at, sending_since, last_error, created_at, updated_at,"
    " delivered_at, read_at")


@dataclass(frozen=True)
class NewMessage:
    source_event_id: uuid.UUID
    source_event_type: str
    correlation_id: uuid.UUID
    application_id: uuid.UUID | None
    recipient: Recipient
    channel: str
    template: str
    subject: str
    body: str
    payload: dict[str, Any]


async def insert_message(conn: asyncpg.Connection, m: NewMessage) -> bool:
    """Creates the message unless this (event, recipient, channel) already has one."""
    r = m.recipient
    row = await conn.fetchval(
        "INSERT INTO messages (id, source_event_id, source_event_type, correlation_id,"
        " application_id, recipient_id, recipient_role, recipient_user, recipient_org, channel,"
        " template, subject, body, payload)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
        " ON CONFLICT (source_event_id, recipient_id, channel) DO NOTHING RETURNING id",
        uuid.uuid4(), m.source_event_id, m.source_event_type, m.correlation_id, m.application_id,
        r.id, r.role, r.user, r.org, m.channel, m.template, m.subject, m.body, m.payload)
    return row is not None


async def claim_candidates(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Due rows, locked for this transaction; other workers skip them. With each: whether the
    directory has an address for it, and its age (for rows waiting for one)."""
    return await conn.fetch(
        "SELECT m.id, m.recipient_id, m.recipient_role, m.channel,"
        " extract(epoch FROM now() - m.created_at)::float8 AS age_seconds,"
        " EXISTS (SELECT 1 FROM contacts c WHERE c.contact_id = m.recipient_id"
        "         OR c.contact_id = m.recipient_org) AS has_contact"
        " FROM messages m"
        " WHERE m.status IN ('created', 'temporary-failure') AND m.next_attempt_at <= now()"
        " ORDER BY m.next_attempt_at, m.created_at LIMIT $1 FOR UPDATE OF m SKIP LOCKED", limit)


async def mark_sending(conn: asyncpg.Connection, ids: list[uuid.UUID],
                       worker: uuid.UUID) -> list[asyncpg.Record]:
    return await conn.fetch(
        f"UPDATE messages SET status = 'sending', sending_since = now(), updated_at = now(),"
        f" attempts = attempts + 1, claimed_by = $2 WHERE id = ANY($1::uuid[])"
        f" RETURNING {MESSAGE_COLUMNS}", ids, worker)


async def deliver_in_place(conn: asyncpg.Connection, ids: list[uuid.UUID]
                           ) -> list[asyncpg.Record]:
    """In-app inbox rows: delivering one is this very update, so it happens in the claim's
    transaction, with no `sending` step (nothing leaves our database: nothing can be in doubt)."""
    return await conn.fetch(
        f"UPDATE messages SET status = 'delivered', attempts = attempts + 1, last_error = NULL,"
        f" sending_since = NULL, updated_at = now(), delivered_at = now()"
        f" WHERE id = ANY($1::uuid[]) RETURNING {MESSAGE_COLUMNS}", ids)


async def requeue_unattempted(conn: asyncpg.Connection, worker: uuid.UUID,
                              attempted: Collection[uuid.UUID]) -> int:
    """Rows this worker claimed but never began to send (the claim's commit outran a broken
    connection): back in the queue, the attempt not counted."""
    result = await conn.execute(
        "UPDATE messages SET attempts = attempts - 1, sending_since = NULL, updated_at = now(),"
        " status = CASE WHEN attempts > 1 THEN 'temporary-failure' ELSE 'created' END,"
        " next_attempt_at = now()"
        " WHERE status = 'sending' AND claimed_by = $1 AND id <> ALL($2::uuid[])",
        worker, list(attempted))
    return int(result.split()[-1])


async def defer(conn: asyncpg.Connection, message_id: uuid.UUID, seconds: float) -> None:
    await conn.execute(
        "UPDATE messages SET next_attempt_at = now() + make_interval(secs => $2::float8)"
        " WHERE id = $1", message_id, seconds)


async def give_up(conn: asyncpg.Connection, message_id: uuid.UUID, detail: str
                  ) -> asyncpg.Record | None:
    """Ends a row that was never claimed (so was never sent) as permanent-failure."""
    return await conn.fetchrow(
        f"UPDATE messages SET status = 'permanent-failure', last_error = $2, updated_at = now()"
        f" WHERE id = $1 AND status IN ('created', 'temporary-failure')"
        f" RETURNING {MESSAGE_COLUMNS}", message_id, detail[:2000])


async def due_now_for(conn: asyncpg.Connection, recipient_id: str) -> None:
    """Makes a recipient's never-attempted deferred emails due at once. Only rows waiting for
    an address or a rate token have attempts = 0 and a future time; the claim re-checks both."""
    await conn.execute(
        "UPDATE messages SET next_attempt_at = now() WHERE recipient_id = $1"
        " AND channel = 'email' AND status = 'created' AND attempts = 0"
        " AND next_attempt_at > now()", recipient_id)


async def finish(conn: asyncpg.Connection, message_id: uuid.UUID, status: Status, detail: str,
                 retry_in: float | None = None) -> asyncpg.Record | None:
    """Records the outcome of the attempt this process claimed; None if no longer ours."""
    return await conn.fetchrow(
        f"UPDATE messages SET status = $2, last_error = CASE WHEN $2 = 'delivered' THEN NULL"
        f" ELSE $3 END, updated_at = now(), sending_since = NULL,"
        f" delivered_at = CASE WHEN $2 = 'delivered' THEN now() END,"
        f" next_attempt_at = now() + make_interval(secs => coalesce($4::float8, 0))"
        f" WHERE id = $1 AND status = 'sending' RETURNING {MESSAGE_COLUMNS}",
        message_id, status.value, detail[:2000], retry_in)


async def fail_stuck(conn: asyncpg.Connection, older_than_seconds: float,
                     resendable: Collection[str]) -> list[asyncpg.Record]:
    """Rows left `sending` by a dead process: technical-failure, except on `resendable`
    channels (see requeue_stuck)."""
    return await conn.fetch(
        f"UPDATE messages SET status = 'technical-failure', sending_since = NULL,"
        f" updated_at = now(), last_error = 'the sending process stopped mid-delivery; not"
        f" re-sent because it may have been delivered'"
        f" WHERE status = 'sending' AND sending_since < now() - make_interval(secs => $1::float8)"
        f" AND channel <> ALL($2::text[]) RETURNING {MESSAGE_COLUMNS}",
        older_than_seconds, list(resendable))


async def requeue_stuck(conn: asyncpg.Connection, older_than_seconds: float,
                        channels: Collection[str]) -> int:
    """Rows of these channels left `sending` by a dead process are due again at once."""
    result = await conn.execute(
        "UPDATE messages SET status = 'created', sending_since = NULL, next_attempt_at = now(),"
        " updated_at = now() WHERE status = 'sending' AND channel = ANY($2::text[])"
        " AND sending_since < now() - make_interval(secs => $1::float8)",
        older_than_seconds, list(channels))
    return int(result.split()[-1])


async def get_buckets(conn: asyncpg.Connection, keys: list[tuple[str, str]]
                      ) -> dict[tuple[str, str], Bucket]:
    """The (recipient, channel) rate buckets that exist among `keys`, locked in key order (one
    global order: two workers never deadlock on them), in one round trip."""
    rows = await conn.fetch(
        "SELECT b.recipient_id, b.channel, b.tokens, b.at_epoch FROM rate_buckets b"
        " JOIN unnest($1::text[], $2::text[]) AS k(recipient_id, channel)"
        " ON b.recipient_id = k.recipient_id AND b.channel = k.channel"
        " ORDER BY b.recipient_id, b.channel FOR UPDATE OF b",
        [k[0] for k in keys], [k[1] for k in keys])
    return {(r["recipient_id"], r["channel"]): Bucket(r["tokens"], r["at_epoch"]) for r in rows}


async def put_buckets(conn: asyncpg.Connection,
                      buckets: dict[tuple[str, str], Bucket]) -> None:
    await conn.executemany(
        "INSERT INTO rate_buckets (recipient_id, channel, tokens, at_epoch) VALUES ($1,$2,$3,$4)"
        " ON CONFLICT (recipient_id, channel) DO UPDATE SET tokens = $3, at_epoch = $4",
        [(r, c, b.tokens, b.at) for (r, c), b in sorted(buckets.items())])


async def db_epoch(conn: asyncpg.Connection) -> float:
    # The database clock, so every instance's buckets agree on time.
    return float(await conn.fetchval("SELECT extract(epoch FROM clock_timestamp())"))


# Look-ups that run once per event or per applicant use an index each (migration 005): as whole-
# table scans they cost a third of a second at 70,000 messages, and delivery slowed as the table
# grew. tests/test_lookups_use_indexes.py holds them to that.
STAGE_RECIPIENT_SQL = (
    "SELECT recipient_role, recipient_user, recipient_org FROM messages"
    " WHERE template = 'approval_requested' AND payload->'event'->>'case_id' = $1"
    " AND payload->'event'->>'stage' = $2 ORDER BY created_at DESC LIMIT 1")


async def stage_recipient(conn: asyncpg.Connection, case_id: uuid.UUID, stage: str
                          ) -> Recipient | None:
    row = await conn.fetchrow(STAGE_RECIPIENT_SQL, str(case_id), stage)
    if row is None:
        return None
    return Recipient(row["recipient_role"], row["recipient_user"], row["recipient_org"])


# --- reads ----------------------------------------------------------------------------------

def visibility_sql(first_param: int) -> str:
    """Rows a caller receives: addressed to them, or to a role they hold (in their org)."""
    a, b, c = first_param, first_param + 1, first_param + 2
    return (f"(recipient_user = ${a} OR (recipient_user IS NULL AND recipient_role = ANY(${b})"
            f" AND (recipient_org IS NULL OR recipient_org = ${c})))")


async def list_messages(conn: asyncpg.Connection, *, caller: tuple | None, channel: str | None,
                        status: str | None, unread_only: bool, application_id: uuid.UUID | None,
                        limit: int, offset: int) -> list[asyncpg.Record]:
    where, args = [], []
    if caller is not None:
        where.append(visibility_sql(len(args) + 1))
        args += list(caller)
    for column, value in (("channel", channel), ("status", status),
                          ("application_id", application_id)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if unread_only:
        where.append("read_at IS NULL")
    sql = f"SELECT {MESSAGE_COLUMNS} FROM messages"
    if where:
        sql += " WHERE " + " AND ".join(where)
    args += [limit, offset]
    sql += f" ORDER BY created_at DESC, id LIMIT ${len(args) - 1} OFFSET ${len(args)}"
    return await conn.fetch(sql, *args)


async def get_message(conn: asyncpg.Connection, message_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1",
                               message_id)


async def mark_read(conn: asyncpg.Connection, message_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(
        f"UPDATE messages SET read_at = coalesce(read_at, now()) WHERE id = $1"
        f" RETURNING {MESSAGE_COLUMNS}", message_id)


# --- contacts and webhooks --------------------------------------------------------------------

async def upsert_contact(conn: asyncpg.Connection, contact_id: str, email: str,
                         name: str | None, source: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO contacts (contact_id, email, name, source) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (contact_id) DO UPDATE SET email = $2, name = coalesce($3, contacts.name),"
        " source = $4, updated_at = now() RETURNING *", contact_id, email, name, source)


async def get_contact(conn: asyncpg.Connection, *ids: str) -> asyncpg.Record | None:
    """The first of `ids` that has an entry, in the order given."""
    return await conn.fetchrow(
        "SELECT * FROM contacts WHERE contact_id = ANY($1::text[])"
        " ORDER BY array_position($1::text[], contact_id) LIMIT 1", list(ids))


async def erase_person(conn: asyncpg.Connection, user_id: str) -> None:
    # Sealed copies first: a worker opening one waits on its row lock, then finds it gone.
    await conn.execute("DELETE FROM sealed_contacts WHERE applicant_id = $1", user_id)
    name = await conn.fetchval("SELECT name FROM contacts WHERE contact_id = $1", user_id)
    if name:  # messages to others named them (not all carry their id): they no longer do
        # The full name, then a surname that a greeting may use on its own.
        for words in {name, name.split()[-1]}:
            if len(words) >= 3:
                # In the payload as JSON writes it (escaped), so the jsonb stays valid.
                await conn.execute(
                    "UPDATE messages SET subject = replace(subject, $1, 'the applicant'),"
                    " body = replace(body, $1, 'the applicant'),"
                    " payload = replace(payload::text, $2, 'the applicant')::jsonb"
                    " WHERE position($1 IN subject) > 0 OR position($1 IN body) > 0"
                    " OR position($2 IN payload::text) > 0", words, json.dumps(words)[1:-1])
    await conn.execute("DELETE FROM contacts WHERE contact_id = $1", user_id)
    await conn.execute(
        "UPDATE messages SET subject = '[erased]', body = '[erased]', payload = '{}'::jsonb"
        " WHERE recipient_user = $1", user_id)


# --- sealed contact details (ApplicationSubmitted v2), opened by the delivery worker -----------

async def keep_sealed(conn: asyncpg.Connection, applicant_id: str, application_id: uuid.UUID,
                      sealed: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO sealed_contacts (applicant_id, application_id, sealed) VALUES ($1, $2, $3)"
        " ON CONFLICT (applicant_id, application_id) DO NOTHING",
        applicant_id, application_id, sealed)


async def due_sealed(conn: asyncpg.Connection | asyncpg.Pool, limit: int
                     ) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT applicant_id, application_id, sealed FROM sealed_contacts"
        " WHERE next_try_at <= now() ORDER BY received_at LIMIT $1", limit)


async def try_sealed_later(conn: asyncpg.Connection | asyncpg.Pool, applicant_id: str,
                           application_id: uuid.UUID, seconds: float) -> None:
    await conn.execute(
        "UPDATE sealed_contacts SET next_try_at = now() + make_interval(secs => $3::float8)"
        " WHERE applicant_id = $1 AND application_id = $2", applicant_id, application_id,
        seconds)


async def take_sealed(conn: asyncpg.Connection | asyncpg.Pool, applicant_id: str,
                      application_id: uuid.UUID) -> bool:
    """Removes the sealed copy once opened (or unopenable); False if erasure got there first."""
    return await conn.fetchval(
        "DELETE FROM sealed_contacts WHERE applicant_id = $1 AND application_id = $2"
        " RETURNING true", applicant_id, application_id) or False


FILL_IN_NAME_SQL = (
    "UPDATE messages SET subject = replace(replace(subject, $2, $3), $4, $3),"
    " body = replace(replace(body, $2, $3), $4, $3)"
    " WHERE (recipient_user = $1 OR payload->'event'->>'applicant_id' = $1)"
    " AND (position($2 IN body) > 0 OR position($4 IN body) > 0)"
    " AND (channel <> 'email' OR status IN ('created', 'temporary-failure'))")


async def fill_in_name(conn: asyncpg.Connection, applicant_id: str, name: str) -> None:
    """Puts the opened name where messages written before it said PENDING_NAME (to them) or
    PENDING_APPLICANT (to others about them); not in emails already sent: they went as they
    were."""
    await conn.execute(FILL_IN_NAME_SQL, applicant_id, PENDING_NAME, name, PENDING_APPLICANT)


async def upsert_webhook(conn: asyncpg.Connection, org_id: str, url: str, secret: str,
                         created_by: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO webhooks (id, org_id, url, secret, created_by) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (org_id) DO UPDATE SET id = $1, url = $3, secret = $4, created_by = $5,"
        " created_at = now() RETURNING *", uuid.uuid4(), org_id, url, secret, created_by)


async def webhook_for(conn: asyncpg.Connection, org_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM webhooks WHERE org_id = $1", org_id)


async def delete_webhook(conn: asyncpg.Connection, webhook_id: uuid.UUID, org_id: str) -> bool:
    done = await conn.execute("DELETE FROM webhooks WHERE id = $1 AND org_id = $2",
                              webhook_id, org_id)
    return done.endswith(" 1")


# Two halves, so each reads its own partial index (messages_due, messages_sending) rather
# than the whole table.
PENDING_SQL = (
    "SELECT channel, status, count(*) AS n FROM messages"
    " WHERE status IN ('created', 'temporary-failure') GROUP BY channel, status"
    " UNION ALL SELECT channel, status, count(*) AS n FROM messages"
    " WHERE status = 'sending' GROUP BY channel, status")


async def pending_deliveries(conn: asyncpg.Connection | asyncpg.Pool
                             ) -> dict[tuple[str, str], float]:
    """Messages not yet delivered or given up, by (channel, status): the delivery queue
    (bps_notification_deliveries_pending)."""
    rows = await conn.fetch(PENDING_SQL)
    return {(r["channel"], r["status"]): r["n"] for r in rows}
