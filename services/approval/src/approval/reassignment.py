"""HR gives an open stage to another approver (the action the escalation email promises).

The new approver gets a fresh SLA (reminder, due, expiry counted from now in working days) and
the stage leaves the escalated state; the previous approver can no longer decide it, and the
applicant service, following ApprovalStageReassigned, moves case access with it.
"""

from __future__ import annotations

import uuid

import asyncpg
from shared.errors import Invalid, NotFound

from approval import conflicts, events, tasks_sql
from approval import repository as repo
from approval.domain import StageStatus, Who, may_reassign, stage_times
from approval.handlers import Approvals


async def reassign(approvals: Approvals, conn: asyncpg.Connection, stage_id: uuid.UUID,
                   who: Who, approver_id: str, reason: str) -> None:
    missing = NotFound(f"no stage {stage_id} among the stages you may reassign", "stage_id")
    found = await repo.stage(conn, stage_id)
    if found is None:
        raise missing
    case = await repo.lock_case(conn, found["case_id"])  # orders us against decisions, timers
    stage = await repo.stage(conn, stage_id)
    if not may_reassign(who, case["organisation_id"], stage["approver_org_id"]):
        raise missing
    if stage["status"] != StageStatus.OPEN:
        raise conflicts.closed(stage)
    if stage["approver_id"] == approver_id:
        raise Invalid(f"approver_id: the stage is already with {approver_id}; name another "
                      "approver", "approver_id")
    times = stage_times(approvals.clock(), approvals.settings.sla(stage["stage"]))
    await tasks_sql.reassign(conn, stage, approver_id, who.id, reason, times)
    await approvals.outbox.add(conn, events.reassigned(case, stage, approver_id, who.id, reason,
                                                       times.due_at))
