"""SQL for cases, stages, timers and placements (asyncpg). Callers own the transaction."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from approval.domain import StageTimes, Who

Record = asyncpg.Record

CASE_COLUMNS = ("id", "match_id", "application_id", "opportunity_id", "applicant_id",
                "host_org_id", "organisation_id", "line_manager_id", "bcc_chamber_id", "scheme",
                "sector", "country", "region", "start_date", "length_months", "chain",
                "correlation_id")


async def insert_case(conn: asyncpg.Connection, case: dict[str, Any]) -> bool:
    """False when this match already has a case (a redelivered proposal)."""
    cols = ", ".join(CASE_COLUMNS)
    marks = ", ".join(f"${i}" for i in range(1, len(CASE_COLUMNS) + 1))
    done = await conn.fetchval(
        f"INSERT INTO cases ({cols}) VALUES ({marks}) ON CONFLICT (match_id) DO NOTHING"
        " RETURNING id", *(case[c] for c in CASE_COLUMNS))
    return done is not None


async def lock_case(conn: asyncpg.Connection, case_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM cases WHERE id = $1 FOR UPDATE", case_id)


async def lock_open_cases(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Record]:
    return await conn.fetch(
        "SELECT * FROM cases WHERE application_id = $1 AND status = 'open'"
        " ORDER BY id FOR UPDATE", application_id)


async def close_case(conn: asyncpg.Connection, case_id: uuid.UUID, status: str,
                     reason: str | None = None) -> None:
    await conn.execute("UPDATE cases SET status = $2, rejection_reason = $3, closed_at = now()"
                       " WHERE id = $1", case_id, status, reason)


async def mark_withdrawn(conn: asyncpg.Connection, application_id: uuid.UUID) -> None:
    await conn.execute("INSERT INTO withdrawn_applications (application_id) VALUES ($1)"
                       " ON CONFLICT DO NOTHING", application_id)


async def is_withdrawn(conn: asyncpg.Connection, application_id: uuid.UUID) -> bool:
    return await conn.fetchval("SELECT true FROM withdrawn_applications"
                               " WHERE application_id = $1", application_id) is True


async def insert_stage(conn: asyncpg.Connection, *, stage_id: uuid.UUID, case_id: uuid.UUID,
                       position: int, stage: str, role: str, org_id: str | None,
                       user_id: str | None, opened_at: datetime, times: StageTimes,
                       opened_event_id: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO stages (id, case_id, position, stage, approver_role, approver_org_id,"
        " approver_id, opened_at, due_at, opened_event_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        stage_id, case_id, position, stage, role, org_id, user_id, opened_at, times.due_at,
        opened_event_id)
    await conn.executemany(
        "INSERT INTO timers (stage_id, kind, fire_at) VALUES ($1, $2, $3)",
        [(stage_id, "reminder", times.reminder_at), (stage_id, "escalation", times.due_at),
         (stage_id, "expiry", times.expires_at)])


async def stage(conn: asyncpg.Connection, stage_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM stages WHERE id = $1", stage_id)


async def open_stage_of(conn: asyncpg.Connection, case_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow("SELECT * FROM stages WHERE case_id = $1 AND status = 'open'",
                               case_id)


async def close_stage(conn: asyncpg.Connection, stage_id: uuid.UUID, status: str, *,
                      decided_by: str | None = None, reason: str | None = None,
                      note: str | None = None, mitigation: str | None = None) -> None:
    await conn.execute(
        "UPDATE stages SET status = $2, decided_by = $3, reason = $4, note = $5,"
        " mitigation = $6, decided_at = now() WHERE id = $1 AND status = 'open'",
        stage_id, status, decided_by, reason, note, mitigation)


async def mark_escalated(conn: asyncpg.Connection, stage_id: uuid.UUID) -> None:
    await conn.execute("UPDATE stages SET escalated_at = now() WHERE id = $1", stage_id)


def _visibility(who: Who, first: int) -> tuple[str, list[Any]]:
    """SQL mirror of domain.may_see, with its parameters numbered from `first`."""
    if who.is_central_hr:
        return "true", []
    return (f"(s.approver_role = ANY(${first}::text[])"
            f" AND (s.approver_id IS NULL OR s.approver_id = ${first + 1})"
            f" AND (s.approver_org_id IS NULL OR s.approver_org_id = ${first + 2}))",
            [sorted(who.roles), who.id, who.org])


STAGE_VIEW = ("SELECT s.*, c.application_id, c.applicant_id, c.scheme, c.host_org_id,"
              " c.opportunity_id, c.status AS case_status FROM stages s"
              " JOIN cases c ON c.id = s.case_id")


async def list_stages(conn: asyncpg.Connection, who: Who, status: str | None, limit: int,
                      offset: int) -> list[Record]:
    where, args = _visibility(who, 4)
    return await conn.fetch(
        f"{STAGE_VIEW} WHERE ($1::text IS NULL OR s.status = $1) AND {where}"
        " ORDER BY s.due_at, s.id LIMIT $2 OFFSET $3", status, limit, offset, *args)


async def stage_view(conn: asyncpg.Connection, stage_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow(f"{STAGE_VIEW} WHERE s.id = $1", stage_id)


async def claim_due_timer(conn: asyncpg.Connection) -> Record | None:
    """One due, unfired timer, row-locked; other pollers skip it rather than wait."""
    return await conn.fetchrow(
        "SELECT * FROM timers WHERE fired_at IS NULL AND fire_at <= now()"
        " ORDER BY fire_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")


async def count_overdue_timers(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    """Timers past their moment and not fired: the poller is stuck or behind
    (bps_timers_overdue)."""
    return await conn.fetchval(
        "SELECT count(*) FROM timers WHERE fired_at IS NULL AND fire_at <= now()")


async def mark_fired(conn: asyncpg.Connection, timer_id: int, outcome: str) -> None:
    await conn.execute("UPDATE timers SET fired_at = now(), outcome = $2 WHERE id = $1",
                       timer_id, outcome)


async def insert_placement(conn: asyncpg.Connection, placement_id: uuid.UUID,
                           case_id: uuid.UUID, start: date, end: date,
                           event_id: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO placements (id, case_id, start_date, end_date, last_event_id)"
        " VALUES ($1, $2, $3, $4, $5)", placement_id, case_id, start, end, event_id)


PLACEMENT_VIEW = ("SELECT p.*, c.application_id, c.match_id, c.opportunity_id, c.applicant_id,"
                  " c.host_org_id, c.organisation_id, c.scheme, c.sector, c.country, c.region,"
                  " c.correlation_id, ARRAY(SELECT f.party FROM placement_feedback f"
                  " WHERE f.placement_id = p.id ORDER BY f.party) AS feedback_given"
                  " FROM placements p JOIN cases c ON c.id = p.case_id")


async def placement(conn: asyncpg.Connection, placement_id: uuid.UUID,
                    lock: bool = False, skip_locked: bool = False) -> Record | None:
    """With `skip_locked`, None while someone else holds the row (the timer poller never
    waits for a person's request on the placement)."""
    suffix = (" FOR UPDATE OF p" if lock else "") + (" SKIP LOCKED" if skip_locked else "")
    return await conn.fetchrow(f"{PLACEMENT_VIEW} WHERE p.id = $1{suffix}", placement_id)


async def lock_unstarted_placements(conn: asyncpg.Connection, application_id: uuid.UUID
                                    ) -> list[Record]:
    return await conn.fetch(f"{PLACEMENT_VIEW} WHERE c.application_id = $1"
                            " AND p.status = 'confirmed' ORDER BY p.id FOR UPDATE OF p",
                            application_id)


async def placement_of_case(conn: asyncpg.Connection, case_id: uuid.UUID) -> Record | None:
    return await conn.fetchrow(f"{PLACEMENT_VIEW} WHERE p.case_id = $1", case_id)


async def update_placement(conn: asyncpg.Connection, placement_id: uuid.UUID,
                           **fields: Any) -> None:
    names = list(fields)
    sets = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
    await conn.execute(f"UPDATE placements SET {sets} WHERE id = $1", placement_id,
                       *(fields[n] for n in names))


async def erase_applicant(conn: asyncpg.Connection, applicant_id: str) -> int:
    """Free text written about the applicant goes (approvers' notes and reasons, placement
    feedback and every party's comments); decisions, dates, ids and structured answers stay
    for the audit trail and evaluation. Returns the cases touched."""
    cases = [r["id"] for r in await conn.fetch(
        "SELECT id FROM cases WHERE applicant_id = $1 FOR UPDATE", applicant_id)]
    await conn.execute(
        "UPDATE stages SET note = NULL, mitigation = NULL,"
        " reason = CASE WHEN reason IS NULL THEN NULL ELSE '[erased]' END"
        " WHERE case_id = ANY($1)", cases)
    await conn.execute(
        "UPDATE placements SET skills_gained = '{}',"
        " end_reason = CASE WHEN end_reason IS NULL THEN NULL ELSE '[erased]' END"
        " WHERE case_id = ANY($1)", cases)
    await conn.execute(
        "UPDATE placement_feedback f SET comments = NULL FROM placements p"
        " WHERE p.id = f.placement_id AND p.case_id = ANY($1)", cases)
    return len(cases)
