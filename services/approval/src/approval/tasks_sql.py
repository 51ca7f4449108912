"""SQL for approvers' task lists, an application's stages and reassignment (asyncpg).
Callers own the transaction."""

from __future__ import annotations

import uuid

import asyncpg

from approval.domain import StageTimes, Who
from approval.repository import STAGE_VIEW

Record = asyncpg.Record
TASK_VIEW = ("SELECT s.*, c.application_id, c.applicant_id, c.scheme, c.host_org_id,"
             " c.opportunity_id, c.start_date, c.length_months, c.status AS case_status"
             " FROM stages s JOIN cases c ON c.id = s.case_id")
SORTS = {"due": "s.due_at, s.id", "opened": "s.opened_at, s.id"}


async def tasks(conn: asyncpg.Connection, who: Who, scheme: str | None, sort: str,
                limit: int, offset: int) -> list[Record]:
    """Open stages the caller may decide now: their own (every role and org they hold), and
    for central HR also every escalated one."""
    hr = " OR s.escalated_at IS NOT NULL" if who.is_central_hr else ""
    return await conn.fetch(
        f"{TASK_VIEW} WHERE s.status = 'open' AND ($1::text IS NULL OR c.scheme = $1)"
        f" AND ({ASSIGNED}{hr}) ORDER BY {SORTS[sort]} LIMIT $2 OFFSET $3",
        scheme, limit, offset, sorted(who.roles), who.id, who.org)


# domain.is_assigned in SQL, parameters $4-$6 (roles, id, org). Central HR is no exception
# here: a task list holds what the caller is asked to decide.
ASSIGNED = ("(s.approver_role = ANY($4::text[])"
            " AND (s.approver_id IS NULL OR s.approver_id = $5)"
            " AND (s.approver_org_id IS NULL OR s.approver_org_id = $6))")


async def application_stages(conn: asyncpg.Connection, application_id: uuid.UUID
                             ) -> list[Record]:
    """Every stage of every case of the application, oldest case first, in chain order."""
    return await conn.fetch(
        f"{STAGE_VIEW} WHERE c.application_id = $1 ORDER BY c.created_at, c.id, s.position",
        application_id)


async def host_orgs_of(conn: asyncpg.Connection, application_id: uuid.UUID) -> set[str]:
    """The hosts this application was proposed to."""
    rows = await conn.fetch("SELECT DISTINCT host_org_id FROM cases WHERE application_id = $1",
                            application_id)
    return {r["host_org_id"] for r in rows}


async def reassign(conn: asyncpg.Connection, stage: Record, approver_id: str, by: str,
                   reason: str, times: StageTimes) -> None:
    """The stage now belongs to `approver_id` with a fresh SLA: its timers start again."""
    await conn.execute(
        "INSERT INTO stage_reassignments (stage_id, previous_approver_org_id,"
        " previous_approver_id, approver_id, reassigned_by, reason)"
        " VALUES ($1, $2, $3, $4, $5, $6)", stage["id"], stage["approver_org_id"],
        stage["approver_id"], approver_id, by, reason)
    await conn.execute(
        "UPDATE stages SET approver_id = $2, due_at = $3, escalated_at = NULL WHERE id = $1",
        stage["id"], approver_id, times.due_at)
    await conn.executemany(
        "UPDATE timers SET fire_at = $3, fired_at = NULL, outcome = NULL"
        " WHERE stage_id = $1 AND kind = $2",
        [(stage["id"], "reminder", times.reminder_at), (stage["id"], "escalation", times.due_at),
         (stage["id"], "expiry", times.expires_at)])


async def last_reassignment_from(conn: asyncpg.Connection, stage_id: uuid.UUID,
                                 who_id: str) -> Record | None:
    """When the stage was taken from `who_id` by a reassignment, if it ever was."""
    return await conn.fetchrow(
        "SELECT * FROM stage_reassignments WHERE stage_id = $1 AND previous_approver_id = $2"
        " ORDER BY reassigned_at DESC LIMIT 1", stage_id, who_id)
