"""HTTP: hosts' opportunities and proposed candidates; HR's rounds and reports."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator
from shared.auth import Caller, CallerDep, Role, require_roles
from shared.errors import Forbidden, NotFound
from shared.limits import MAX_OFFSET, MAX_PAGE_SIZE, WriterDep

from contracts import Clearance, Country, Grade, Scheme, Sector, UKRegion
from matching import opportunities as opps
from matching import repository as repo
from matching.cohort import run_cohort_round
from matching.handlers import Matching
from matching.rounds import Minimum

router = APIRouter()
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="page size")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Skill = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
# Role checks run before the body is validated: a wrong role hears 403 whatever it sent.
HostRole = Depends(require_roles(Role.HOST))
HostOrHR = Depends(require_roles(Role.HOST, Role.HR))
HRRole = Depends(require_roles(Role.HR))


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def _matching(request: Request) -> Matching:
    return request.app.state.runtime.state["matching"]


PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
MatchingDep = Annotated[Matching, Depends(_matching)]
EXAMPLE = {"host_name": "Windco Ltd", "host_staff_count": 120, "host_sector": "clean_energy",
           "country": "GB", "region": "North West", "scheme": "industry",
           "title": "Offshore wind policy secondment", "sector": "clean_energy",
           "required_skills": ["policy"], "desired_skills": ["data"],
           "start_window_from": "2027-03-01", "start_window_to": "2027-06-30",
           "length_months": 6, "grade_min": "HEO", "grade_max": "G7",
           "clearance_needed": "BPSS", "capacity": 2, "closing_date": "2027-02-15"}


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host_name: Name
    host_staff_count: int = Field(ge=1, le=10_000_000,
                                  description="Staff of the host organisation; a "
                                  "diplomatic-scheme host must have fewer than 250.")
    host_sector: Sector
    country: Country
    region: UKRegion | None = None
    bcc_chamber_id: Name | None = Field(default=None, description="Diplomatic scheme only.")
    scheme: Scheme
    title: Name
    description: str | None = Field(default=None, max_length=2000)
    sector: Sector
    required_skills: list[Skill] = Field(default_factory=list, max_length=50)
    desired_skills: list[Skill] = Field(default_factory=list, max_length=50)
    start_window_from: date
    start_window_to: date
    length_months: int = Field(ge=1, le=12)
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    clearance_needed: Clearance = Clearance.NONE
    capacity: int = Field(ge=1, le=1000)
    closing_date: date


class OpportunityIn(_Fields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})


class OpportunityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"capacity": 3, "closing_date": "2027-02-20"}]})
    host_name: Name | None = None
    host_staff_count: int | None = Field(default=None, ge=1, le=10_000_000)
    host_sector: Sector | None = None
    country: Country | None = None
    region: UKRegion | None = None
    bcc_chamber_id: Name | None = None
    title: Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    sector: Sector | None = None
    required_skills: list[Skill] | None = Field(default=None, max_length=50)
    desired_skills: list[Skill] | None = Field(default=None, max_length=50)
    start_window_from: date | None = None
    start_window_to: date | None = None
    length_months: int | None = Field(default=None, ge=1, le=12)
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    clearance_needed: Clearance | None = None
    capacity: int | None = Field(default=None, ge=1, le=1000)
    closing_date: date | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "filled outside the scheme"}]})
    reason: str | None = Field(default=None, min_length=1, max_length=200)


class OpportunityOut(BaseModel):
    opportunity_id: uuid.UUID
    host_org_id: str
    status: str
    capacity: int
    places_held: int
    proposals_made: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> OpportunityOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class CandidateOut(BaseModel):
    match_id: uuid.UUID
    application_id: uuid.UUID
    applicant_id: str
    score: float
    status: str
    release_reason: str | None
    round_id: uuid.UUID | None
    explanation: dict[str, Any]
    created_at: datetime


class MinimumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dimension: Literal["region", "sector"]
    value: str = Field(description="an ITL1 region or a country code (region), or a sector")
    share: float = Field(gt=0, le=1, description="minimum share of the round's matches")

    @model_validator(mode="after")
    def _known_value(self) -> MinimumIn:
        known = ({s.value for s in Sector} if self.dimension == "sector"
                 else {r.value for r in UKRegion} | {c.value for c in Country})
        if self.value not in known:
            raise ValueError(f"value: {self.value!r} is not a known {self.dimension}")
        return self


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {}, {"minimum_shares": [{"dimension": "region", "value": "North West", "share": 0.1},
                                {"dimension": "sector", "value": "clean_energy", "share": 0.2}]}]})
    minimum_shares: list[MinimumIn] = Field(default_factory=list, max_length=40)

    @model_validator(mode="after")
    def _shares_fit(self) -> RoundIn:
        for dim in ("region", "sector"):
            if sum(m.share for m in self.minimum_shares if m.dimension == dim) > 1 + 1e-9:
                raise ValueError(f"minimum_shares: {dim} shares add up to more than 1")
        return self


class RoundOut(BaseModel):
    round_id: uuid.UUID
    requested_by: str
    params: dict[str, Any]
    report: dict[str, Any] | None
    started_at: datetime
    finished_at: datetime | None


def host_org(caller: Caller) -> str:
    if not caller.has(Role.HOST) or not caller.org:
        raise Forbidden("only a host acting for its organisation (role host with an org claim) "
                        "may do this", "org")
    return caller.org


def scope(caller: Caller) -> str | None:
    """None = sees every opportunity (central HR); else the host's own organisation."""
    if caller.is_hr and caller.org in (None, "hr-central"):
        return None
    return host_org(caller)


def central_hr(caller: Caller) -> None:
    if not (caller.is_hr and caller.org in (None, "hr-central")):
        raise Forbidden("only central HR (role hr, no org or org hr-central) may do this", "roles")


@router.post("/opportunities", status_code=201, response_model=OpportunityOut,
             dependencies=[HostRole],
             tags=["opportunities"], summary="Publish an opportunity for the caller's host org")
async def publish(body: OpportunityIn, caller: WriterDep, pool: PoolDep,
                  matching: MatchingDep) -> OpportunityOut:
    row = await opps.publish(pool, matching, host_org(caller), body.model_dump())
    return OpportunityOut.of(row)


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityOut,
              dependencies=[HostRole],
              tags=["opportunities"], summary="Amend an own opportunity before any match")
async def amend(opportunity_id: uuid.UUID, body: OpportunityPatch, caller: WriterDep,
                pool: PoolDep, matching: MatchingDep) -> OpportunityOut:
    row = await opps.amend(pool, matching, host_org(caller), opportunity_id,
                           body.model_dump(exclude_unset=True))
    return OpportunityOut.of(row)


@router.post("/opportunities/{opportunity_id}/close", response_model=OpportunityOut,
             dependencies=[HostRole],
             tags=["opportunities"], summary="Close an own opportunity to new proposals")
async def close(opportunity_id: uuid.UUID, caller: WriterDep, pool: PoolDep,
                matching: MatchingDep, body: CloseIn | None = None) -> OpportunityOut:
    row = await opps.close(pool, matching, host_org(caller), opportunity_id,
                           body.reason if body else None)
    return OpportunityOut.of(row)


@router.get("/opportunities", response_model=list[OpportunityOut], tags=["opportunities"],
            dependencies=[HostOrHR],
            summary="The caller's opportunities (central HR: all)")
async def list_opportunities(caller: CallerDep, pool: PoolDep, limit: Limit = 50,
                             offset: Offset = 0) -> list[OpportunityOut]:
    async with pool.acquire() as conn:
        rows = await repo.list_opportunities(conn, scope(caller), limit, offset)
    return [OpportunityOut.of(r) for r in rows]


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityOut,
            dependencies=[HostOrHR],
            tags=["opportunities"], summary="One own opportunity")
async def get_opportunity(opportunity_id: uuid.UUID, caller: CallerDep,
                          pool: PoolDep) -> OpportunityOut:
    async with pool.acquire() as conn:
        return OpportunityOut.of(await opps.owned(conn, opportunity_id, scope(caller)))


@router.get("/opportunities/{opportunity_id}/candidates", response_model=list[CandidateOut],
            dependencies=[HostOrHR],
            tags=["opportunities"],
            summary="Candidates proposed for an own opportunity, best first, with explanations")
async def candidates(opportunity_id: uuid.UUID, caller: CallerDep, pool: PoolDep,
                     limit: Limit = 50, offset: Offset = 0) -> list[CandidateOut]:
    async with pool.acquire() as conn:
        await opps.owned(conn, opportunity_id, scope(caller))
        rows = await repo.candidates(conn, opportunity_id, limit, offset)
    return [CandidateOut(**{k: r[k] for k in CandidateOut.model_fields}) for r in rows]


@router.post("/rounds", status_code=201, response_model=RoundOut, tags=["rounds"],
             dependencies=[HRRole],
             summary="Run a cohort round over every waiting application (central HR)")
async def start_round(caller: WriterDep, pool: PoolDep, matching: MatchingDep,
                      body: RoundIn | None = None) -> RoundOut:
    central_hr(caller)
    minimums = tuple(Minimum(m.dimension, m.value, m.share)
                     for m in (body.minimum_shares if body else []))
    outcome = await run_cohort_round(pool, matching, caller.id, minimums)
    return await _round(pool, outcome.round_id)


@router.get("/rounds", response_model=list[RoundOut], tags=["rounds"],
            dependencies=[HRRole],
            summary="Recent rounds, newest first (central HR)")
async def list_rounds(caller: CallerDep, pool: PoolDep, limit: Limit = 20,
                      offset: Offset = 0) -> list[RoundOut]:
    central_hr(caller)
    async with pool.acquire() as conn:
        rows = await repo.list_rounds(conn, limit, offset)
    return [RoundOut(**dict(r)) for r in rows]


@router.get("/rounds/{round_id}", response_model=RoundOut, tags=["rounds"],
            dependencies=[HRRole],
            summary="A round's report: matched, unmatched reasons, fill rate by sector/region")
async def get_round(round_id: uuid.UUID, caller: CallerDep, pool: PoolDep) -> RoundOut:
    central_hr(caller)
    return await _round(pool, round_id)


async def _round(pool: asyncpg.Pool, round_id: uuid.UUID) -> RoundOut:
    async with pool.acquire() as conn:
        row = await repo.get_round(conn, round_id)
    if row is None:
        raise NotFound(f"no round {round_id}", "round_id")
    return RoundOut(**dict(row))
