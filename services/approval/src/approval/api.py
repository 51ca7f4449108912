"""HTTP: approvers' stages and decisions; placements for their parties and HR."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from shared.auth import Caller, CallerDep, Role, require_roles
from shared.errors import NotFound
from shared.limits import MAX_OFFSET, MAX_PAGE_SIZE, WriterDep

from approval import lifecycle
from approval import repository as repo
from approval.domain import Approver, Who, may_see
from approval.handlers import Approvals, DecisionCommand

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]
# Who may call at all (403 otherwise); which objects each caller sees is checked below (404).
Approvers = Depends(require_roles(Role.LINE_MANAGER, Role.HR, Role.ETHICS, Role.VETTING,
                                  Role.EMPLOYER, Role.FCDO_POST, Role.BCC, Role.HOST))
Parties = Depends(require_roles(Role.APPLICANT, Role.HOST, Role.HR))
Managers = Depends(require_roles(Role.HOST, Role.HR))


def who_of(caller: Caller) -> Who:
    return Who(caller.id, frozenset(str(r) for r in caller.roles), caller.org)


async def pool_of(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


async def approvals_of(request: Request) -> Approvals:
    return request.app.state.runtime.state["approvals"]


PoolDep = Annotated[asyncpg.Pool, Depends(pool_of)]
ApprovalsDep = Annotated[Approvals, Depends(approvals_of)]


class StageOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    application_id: uuid.UUID
    opportunity_id: uuid.UUID
    applicant_id: str
    scheme: str
    host_org_id: str
    stage: str
    position: int
    status: str
    case_status: str
    approver_role: str
    approver_org_id: str | None
    approver_id: str | None
    opened_at: datetime
    due_at: datetime
    escalated: bool
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    note: str | None
    mitigation: str | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> StageOut:
        return cls(**{k: row[k] for k in cls.model_fields if k != "escalated"},
                   escalated=row["escalated_at"] is not None)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "grant", "note": "fine by me"},
        {"decision": "refuse", "reason": "business need: the team is short-staffed"},
        {"decision": "grant", "mitigation": "recused from the Acme procurement board"},
        {"decision": "decline", "reason": "no desk until the spring"}]})
    decision: Literal["grant", "refuse", "accept", "decline"] = Field(
        description="grant/refuse; hosts may say accept/decline (same meaning)")
    reason: Reason | None = Field(default=None, description="required when refusing")
    note: Reason | None = None
    mitigation: Reason | None = Field(
        default=None, description="conflict_of_interest stage only: the agreed mitigation")


class PlacementOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    match_id: uuid.UUID
    opportunity_id: uuid.UUID
    applicant_id: str
    host_org_id: str
    organisation_id: str
    scheme: str
    sector: str
    country: str
    region: str | None
    status: str
    start_date: date
    end_date: date
    started_on: date | None
    ended_on: date | None
    outcome: str | None
    ended_by: str | None
    end_reason: str | None
    host_rating: int | None
    placee_rating: int | None
    skills_gained: list[str]

    @classmethod
    def of(cls, row: asyncpg.Record) -> PlacementOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"started_on": "2027-01-04"}]})
    started_on: date | None = Field(default=None, description="defaults to today")


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"new_end_date": "2027-10-04"}]})
    new_end_date: date


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "completed", "ended_on": "2027-07-04", "host_rating": 5, "placee_rating": 4,
        "skills_gained": ["offshore wind economics"]}]})
    outcome: Literal["completed", "ended_early"]
    reason: Reason | None = Field(default=None, description="required when ending early")
    ended_on: date | None = Field(default=None, description="defaults to today")
    host_rating: int | None = Field(default=None, ge=1, le=5)
    placee_rating: int | None = Field(default=None, ge=1, le=5)
    skills_gained: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50)


@router.get("/stages", tags=["approvals"], dependencies=[Approvers],
            summary="Stages waiting for (or decided by) you")
async def list_stages(caller: CallerDep, pool: PoolDep,
                      status: Literal["open", "granted", "refused", "expired",
                                      "withdrawn"] | None = None,
                      limit: Limit = 50, offset: Offset = 0) -> list[StageOut]:
    async with pool.acquire() as conn:
        rows = await repo.list_stages(conn, who_of(caller), status, limit, offset)
    return [StageOut.of(r) for r in rows]


@router.get("/stages/{stage_id}", tags=["approvals"], dependencies=[Approvers],
            summary="One stage you may see")
async def get_stage(stage_id: uuid.UUID, caller: CallerDep, pool: PoolDep) -> StageOut:
    async with pool.acquire() as conn:
        row = await repo.stage_view(conn, stage_id)
    approver = row and Approver(row["approver_role"], row["approver_org_id"], row["approver_id"])
    if row is None or not may_see(approver, who_of(caller)):
        raise NotFound(f"no stage {stage_id} among yours", "stage_id")
    return StageOut.of(row)


@router.post("/stages/{stage_id}/decision", tags=["approvals"], dependencies=[Approvers],
             summary="Grant or refuse a stage (hosts: accept or decline); repeatable")
async def decide(stage_id: uuid.UUID, caller: WriterDep, pool: PoolDep,
                 approvals: ApprovalsDep, body: Annotated[DecisionIn, Body()]) -> StageOut:
    command = DecisionCommand(body.decision, body.reason, body.note, body.mitigation)
    async with pool.acquire() as conn:
        async with conn.transaction():
            await approvals.decide(conn, stage_id, who_of(caller), command)
        return StageOut.of(await repo.stage_view(conn, stage_id))


@router.get("/placements/{placement_id}", tags=["placements"], dependencies=[Parties],
            summary="A placement, for the placee, the host and HR")
async def get_placement(placement_id: uuid.UUID, caller: CallerDep,
                        pool: PoolDep) -> PlacementOut:
    async with pool.acquire() as conn:
        row, _ = await lifecycle.view(conn, placement_id, who_of(caller))
    return PlacementOut.of(row)


async def _then_view(pool: asyncpg.Pool, placement_id: uuid.UUID, caller: Caller,
                     action) -> PlacementOut:
    async with pool.acquire() as conn:
        async with conn.transaction():
            await action(conn)
        row, _ = await lifecycle.view(conn, placement_id, who_of(caller))
    return PlacementOut.of(row)


@router.post("/placements/{placement_id}/start", tags=["placements"], dependencies=[Managers],
             summary="Mark a confirmed placement as started (host or HR)")
async def start_placement(placement_id: uuid.UUID, caller: WriterDep, pool: PoolDep,
                          approvals: ApprovalsDep,
                          body: Annotated[StartIn | None, Body()] = None) -> PlacementOut:
    started_on = body.started_on if body else None
    return await _then_view(pool, placement_id, caller, lambda conn: lifecycle.start(
        conn, approvals.outbox, placement_id, who_of(caller), started_on))


@router.post("/placements/{placement_id}/extend", tags=["placements"], dependencies=[Managers],
             summary="Extend the end date; never past 12 months from the start (host or HR)")
async def extend_placement(placement_id: uuid.UUID, caller: WriterDep, pool: PoolDep,
                           approvals: ApprovalsDep,
                           body: Annotated[ExtendIn, Body()]) -> PlacementOut:
    return await _then_view(pool, placement_id, caller, lambda conn: lifecycle.extend(
        conn, approvals.outbox, placement_id, who_of(caller), body.new_end_date))


@router.post("/placements/{placement_id}/end", tags=["placements"], dependencies=[Parties],
             summary="End a started placement (any party), with outcome feedback")
async def end_placement(placement_id: uuid.UUID, caller: WriterDep, pool: PoolDep,
                        approvals: ApprovalsDep, body: Annotated[EndIn, Body()]) -> PlacementOut:
    ending = lifecycle.Ending(body.outcome, body.reason, body.ended_on, body.host_rating,
                              body.placee_rating, tuple(body.skills_gained))
    return await _then_view(pool, placement_id, caller, lambda conn: lifecycle.end(
        conn, approvals.outbox, placement_id, who_of(caller), ending))
