"""SQL for case access: proposals and stage holders (asyncpg). Callers own the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from contracts import MatchProposed

Record = asyncpg.Record


async def add_proposal(conn: asyncpg.Connection, e: MatchProposed) -> None:
    await conn.execute(
        "INSERT INTO proposals (match_id, application_id, opportunity_id, host_org_id, sector,"
        " country, region, start_date, length_months, clearance_needed, score, proposed_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        " ON CONFLICT (match_id) DO NOTHING", e.match_id, e.application_id, e.opportunity_id,
        e.host_org_id, e.sector, e.country, e.region, e.start_date, e.length_months,
        e.clearance_needed, e.score, e.occurred_at)


async def open_holding(conn: asyncpg.Connection, *, application_id: uuid.UUID,
                       case_id: uuid.UUID, stage: str, role: str, org_id: str | None,
                       approver_id: str | None, at: datetime, due_at: datetime) -> None:
    await conn.execute(
        "INSERT INTO stage_holders (application_id, case_id, stage, approver_role,"
        " approver_org_id, approver_id, opened_at, due_at) VALUES ($1, $2, $3, $4, $5, $6,"
        " $7, $8)", application_id, case_id, stage, role, org_id, approver_id, at, due_at)


async def close_holding(conn: asyncpg.Connection, case_id: uuid.UUID, stage: str, status: str,
                        **fields: object) -> None:
    """The stage's open holding becomes decided (or reassigned), with the decision's words."""
    await conn.execute(
        "UPDATE stage_holders SET status = $3, decided_by = $4, decided_at = $5, note = $6,"
        " reason = $7, mitigation = $8 WHERE case_id = $1 AND stage = $2 AND status = 'open'",
        case_id, stage, status, fields.get("decided_by"), fields.get("decided_at"),
        fields.get("note"), fields.get("reason"), fields.get("mitigation"))


async def holdings(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Record]:
    """Every holding of the application's stages, in the order they opened."""
    return await conn.fetch("SELECT * FROM stage_holders WHERE application_id = $1"
                            " ORDER BY opened_at, id", application_id)


async def proposals(conn: asyncpg.Connection, application_id: uuid.UUID) -> list[Record]:
    """The application's proposals, newest first."""
    return await conn.fetch("SELECT * FROM proposals WHERE application_id = $1"
                            " ORDER BY proposed_at DESC, match_id", application_id)


async def erase(conn: asyncpg.Connection, application_ids: list[uuid.UUID]) -> None:
    """Approvers' words about an erased applicant go; who decided what, and when, stays."""
    await conn.execute(
        "UPDATE stage_holders SET note = NULL, mitigation = NULL,"
        " reason = CASE WHEN reason IS NULL THEN NULL ELSE '[erased]' END"
        " WHERE application_id = ANY($1)", application_ids)
