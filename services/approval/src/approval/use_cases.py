"""The approval service's HTTP use cases, in one typed container its routes depend on.

Each command is one unit of work (one transaction, its events in the outbox) and answers with
the stage or placement as the caller may see it, read in that same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import asyncpg
from shared.auth import Caller
from shared.errors import NotFound
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from approval import lifecycle
from approval import repository as repo
from approval.domain import Approver, may_see
from approval.handlers import Approvals, DecisionCommand
from approval.schemas import PlacementOut, StageOut


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


Action = Callable[[UnitOfWork], Awaitable[None]]


class Placements:
    """A placement for its parties: read it, start it, extend it, end it."""

    def __init__(self, units: UnitsOfWork) -> None:
        self.units = units

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

    @classmethod
    def of(cls, approvals: Approvals, pool: asyncpg.Pool) -> ApprovalUseCases:
        units = UnitsOfWork(pool, approvals.outbox)
        return cls(Stages(approvals, units), Placements(units))
