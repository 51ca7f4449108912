"""The approval service's HTTP use cases, in one typed container its routes depend on.

Each command is one unit of work (one transaction, its events in the outbox) and answers with
the stage or placement as the caller may see it, read in that same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
from shared.auth import Caller
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from approval import feedback, lifecycle, placement_sql, tasks_sql
from approval import repository as repo
from approval.conditions import ReturnConditions
from approval.domain import STAGE_TITLES, Approver, due_state, is_assigned, may_see
from approval.handlers import Approvals, DecisionCommand
from approval.reassignment import reassign
from approval.schemas import FeedbackOut, PlacementOut, StageOut, TaskOut


class Stages:
    """Approvers' stages: what waits for them, one stage, and their decision on it."""

    def __init__(self, approvals: Approvals, units: UnitsOfWork) -> None:
        self.approvals = approvals
        self.units = units

    async def listing(self, who: Caller, status: str | None, limit: int,
                      offset: int) -> list[StageOut]:
        async with self.units.read() as conn:
            rows = await repo.list_stages(conn, who, status, limit, offset)
        return [StageOut.of(r) for r in rows]

    async def get(self, who: Caller, stage_id: uuid.UUID) -> StageOut:
        async with self.units.read() as conn:
            return await _stage(conn, who, stage_id)

    async def decide(self, who: Caller, stage_id: uuid.UUID,
                     command: DecisionCommand) -> StageOut:
        async with self.units() as uow:
            await self.approvals.decide(uow.conn, stage_id, who, command)
            return StageOut.of(await repo.stage_view(uow.conn, stage_id))


async def _stage(conn: asyncpg.Connection, who: Caller, stage_id: uuid.UUID) -> StageOut:
    row = await repo.stage_view(conn, stage_id)
    approver = row and Approver(row["approver_role"], row["approver_org_id"], row["approver_id"])
    if row is None or not may_see(approver, who):
        raise NotFound(f"no stage {stage_id} among yours", "stage_id")
    return StageOut.of(row)


class Tasks:
    """One task list per person; an application's stages for those who hold (or held) one,
    its proposed hosts and HR; HR's reassignment."""

    def __init__(self, approvals: Approvals, units: UnitsOfWork) -> None:
        self.approvals = approvals
        self.units = units

    async def waiting_for(self, who: Caller, scheme: str | None, sort: str, limit: int,
                          offset: int) -> list[TaskOut]:
        async with self.units.read() as conn:
            rows = await tasks_sql.tasks(conn, who, scheme, sort, limit, offset)
        now = self.approvals.clock()
        soon = timedelta(seconds=self.approvals.settings.task_due_soon_seconds)
        return [_task(r, due_state(r["due_at"], now, soon)) for r in rows]

    async def of_application(self, who: Caller, application_id: uuid.UUID) -> list[StageOut]:
        async with self.units.read() as conn:
            rows = await tasks_sql.application_stages(conn, application_id)
            hosts = await tasks_sql.host_orgs_of(conn, application_id)
        if not rows or not _may_see_case(who, rows, hosts):
            raise NotFound(f"no application {application_id} among yours", "application_id")
        return [StageOut.of(r) for r in rows]

    async def reassign(self, who: Caller, stage_id: uuid.UUID, approver_id: str,
                       reason: str) -> StageOut:
        async with self.units() as uow:
            await reassign(self.approvals, uow.conn, stage_id, who, approver_id, reason)
            return StageOut.of(await repo.stage_view(uow.conn, stage_id))


def _may_see_case(who: Caller, stages: list[asyncpg.Record], hosts: set[str]) -> bool:
    """HR central; a host it was proposed to; whoever holds a stage of it or decided one."""
    if who.is_central_hr or ("host" in who.roles and who.org in hosts):
        return True
    return any(s["decided_by"] == who.id or is_assigned(
        Approver(s["approver_role"], s["approver_org_id"], s["approver_id"]), who)
        for s in stages)


def _task(row: asyncpg.Record, state: str) -> TaskOut:
    return TaskOut(stage_id=row["id"], stage_title=STAGE_TITLES.get(row["stage"], row["stage"]),
                   due_state=state, escalated=row["escalated_at"] is not None,
                   **{k: row[k] for k in ("case_id", "application_id", "opportunity_id",
                                          "scheme", "host_org_id", "stage", "approver_role",
                                          "opened_at", "due_at", "start_date",
                                          "length_months")})


Action = Callable[[UnitOfWork], Awaitable[None]]


class Placements:
    """A placement for its parties: list and read them, start, extend, end, give feedback."""

    def __init__(self, units: UnitsOfWork) -> None:
        self.units = units

    async def listing(self, who: Caller, application_id: uuid.UUID | None, status: str | None,
                      limit: int, offset: int) -> list[PlacementOut]:
        async with self.units.read() as conn:
            rows = await placement_sql.list_placements(conn, who, application_id, status,
                                                       limit, offset)
        return [PlacementOut.of(r) for r in rows]

    async def get(self, who: Caller, placement_id: uuid.UUID) -> PlacementOut:
        async with self.units.read() as conn:
            row, _ = await lifecycle.view(conn, placement_id, who)
        return PlacementOut.of(row)

    async def start(self, who: Caller, placement_id: uuid.UUID,
                    started_on: date | None) -> PlacementOut:
        return await self._then_view(who, placement_id, lambda uow: lifecycle.start(
            uow.conn, uow.outbox, placement_id, who, started_on))

    async def extend(self, who: Caller, placement_id: uuid.UUID,
                     new_end: date) -> PlacementOut:
        return await self._then_view(who, placement_id, lambda uow: lifecycle.extend(
            uow.conn, uow.outbox, placement_id, who, new_end))

    async def end(self, who: Caller, placement_id: uuid.UUID,
                  ending: lifecycle.Ending) -> PlacementOut:
        return await self._then_view(who, placement_id, lambda uow: lifecycle.end(
            uow.conn, uow.outbox, placement_id, who, ending))

    async def give_feedback(self, who: Caller, placement_id: uuid.UUID,
                            given: feedback.Feedback) -> FeedbackOut:
        async with self.units() as uow:
            side = await feedback.give(uow.conn, uow.outbox, placement_id, who, given)
            rows = await placement_sql.feedback(uow.conn, placement_id, [side.value])
        return FeedbackOut.of(rows[0])

    async def feedback(self, who: Caller, placement_id: uuid.UUID) -> list[FeedbackOut]:
        async with self.units.read() as conn:
            return [FeedbackOut.of(r) for r in await feedback.visible(conn, placement_id, who)]

    async def _then_view(self, who: Caller, placement_id: uuid.UUID,
                         action: Action) -> PlacementOut:
        async with self.units() as uow:
            await action(uow)
            row, _ = await lifecycle.view(uow.conn, placement_id, who)
        return PlacementOut.of(row)


@dataclass(frozen=True)
class ApprovalUseCases:
    stages: Stages
    placements: Placements
    tasks: Tasks
    conditions: ReturnConditions

    @classmethod
    def of(cls, approvals: Approvals, pool: asyncpg.Pool) -> ApprovalUseCases:
        units = UnitsOfWork(pool, approvals.outbox)
        return cls(Stages(approvals, units), Placements(units), Tasks(approvals, units),
                   ReturnConditions(units, approvals))
