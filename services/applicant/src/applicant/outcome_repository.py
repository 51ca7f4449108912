"""The follow_ups table: durable timers and answers (asyncpg)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg import Record

from applicant.outcome_rules import Leaving, Schedule, at_send_time

OPEN = "open"


async def schedule(conn: asyncpg.Connection, app: Record, leaving: Leaving,
                   plan: Schedule) -> None:
    """One follow-up, unless it exists: the first leaving counts (a redelivery or a second
    refusal changes nothing); a cancelled one (the person went back in) starts afresh."""
    await conn.execute(
        "INSERT INTO follow_ups (id, application_id, applicant_id, scheme, cohort,"
        " left_because, kind, left_on, due_on, answer_by, next_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (application_id, cohort, kind) DO UPDATE SET state = 'open',"
        " left_because = EXCLUDED.left_because, left_on = EXCLUDED.left_on,"
        " due_on = EXCLUDED.due_on, answer_by = EXCLUDED.answer_by, attempts = 0,"
        " next_at = EXCLUDED.next_at, updated_at = now()"
        " WHERE follow_ups.state = 'cancelled'",
        uuid.uuid4(), app["id"], app["applicant_id"], app["scheme"], str(leaving.cohort),
        str(leaving.because), int(plan.kind), leaving.on, plan.due_on, plan.answer_by,
        at_send_time(plan.due_on))


async def cancel_comparison(conn: asyncpg.Connection, application_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE follow_ups SET state = 'cancelled', next_at = NULL, updated_at = now()"
        " WHERE application_id = $1 AND cohort = 'comparison' AND state = 'open'",
        application_id)


async def claim_due(conn: asyncpg.Connection, now: datetime) -> Record | None:
    """One open follow-up whose moment has come, row-locked; other pollers skip it."""
    return await conn.fetchrow(
        "SELECT * FROM follow_ups WHERE state = 'open' AND next_at <= $1"
        " ORDER BY next_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", now)


async def count_overdue(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM follow_ups WHERE state = 'open' AND next_at <= now()")


async def sent(conn: asyncpg.Connection, follow_up_id: uuid.UUID, attempts: int,
               next_at: datetime) -> None:
    await conn.execute(
        "UPDATE follow_ups SET attempts = $2, next_at = $3, updated_at = now() WHERE id = $1",
        follow_up_id, attempts, next_at)


async def lapsed(conn: asyncpg.Connection, follow_up_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE follow_ups SET state = 'lapsed', next_at = NULL, updated_at = now()"
        " WHERE id = $1", follow_up_id)


async def get(conn: asyncpg.Connection, follow_up_id: uuid.UUID,
              lock: bool = False) -> Record | None:
    sql = "SELECT * FROM follow_ups WHERE id = $1" + (" FOR UPDATE" if lock else "")
    return await conn.fetchrow(sql, follow_up_id)


async def of_applicant(conn: asyncpg.Connection, applicant_id: str) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM follow_ups WHERE applicant_id = $1 AND state <> 'cancelled'"
        " ORDER BY due_on, kind", applicant_id)


async def answered(conn: asyncpg.Connection, follow_up_id: uuid.UUID, at: datetime,
                   answers: dict[str, Any]) -> Record:
    return await conn.fetchrow(
        "UPDATE follow_ups SET state = 'answered', answered_at = $2, answers = $3,"
        " next_at = NULL, updated_at = now() WHERE id = $1 RETURNING *",
        follow_up_id, at, answers)


async def erase(conn: asyncpg.Connection, applicant_id: str) -> None:
    """Erasure: nothing more is asked and the answers kept here go (the events carry no
    name; consumers drop what they hold on ApplicantErased)."""
    await conn.execute(
        "UPDATE follow_ups SET state = CASE WHEN state IN ('open', 'cancelled') THEN 'erased'"
        " ELSE state END, answers = NULL, next_at = NULL, updated_at = now()"
        " WHERE applicant_id = $1", applicant_id)
    await conn.execute(
        "UPDATE applications SET follow_up_consent = false, baseline = NULL, home_region = NULL"
        " WHERE applicant_id = $1", applicant_id)
