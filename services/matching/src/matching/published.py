"""HTTP: the applicant-facing list of published opportunities (any signed-in person).

Only open opportunities with a place left, and only the fields a would-be applicant may see:
the host's internal ids, chamber, staff count and counters stay inside the service."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from shared.auth import CallerDep
from shared.errors import ERROR_RESPONSES, NotFound
from shared.limits import MAX_PAGE_SIZE, Offset

from contracts import Country, Scheme, Sector, UKRegion

router = APIRouter(responses=ERROR_RESPONSES)
# The opportunity's own fields an applicant may read (an allow-list: new fields stay private).
PUBLIC_FIELDS = ("title", "description", "host_name", "host_sector", "scheme", "sector",
                 "country", "region", "required_skills", "desired_skills",
                 "start_window_from", "start_window_to", "length_months", "grade_min",
                 "grade_max", "clearance_needed", "closing_date")
_OPEN = "status = 'open' AND places_held < capacity AND (data->>'closing_date')::date >= $1"


class PublishedOpportunity(BaseModel):
    opportunity_id: uuid.UUID
    places_left: int
    fields: dict[str, Any]

    @classmethod
    def of(cls, row: asyncpg.Record) -> PublishedOpportunity:
        data = row["data"]
        return cls(opportunity_id=row["opportunity_id"],
                   places_left=row["capacity"] - row["places_held"],
                   fields={k: data.get(k) for k in PUBLIC_FIELDS})


class PublishedPage(BaseModel):
    items: list[PublishedOpportunity]
    total: int
    limit: int
    offset: int


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]


async def published_page(conn: asyncpg.Connection, today: date, filters: dict[str, Any],
                         limit: int, offset: int) -> tuple[list[asyncpg.Record], int]:
    """Open opportunities matching the filters, soonest start first, and how many match."""
    where = (f"{_OPEN} AND ($2::text IS NULL OR scheme = $2)"
             " AND ($3::text IS NULL OR data->>'sector' = $3)"
             " AND ($4::text IS NULL OR data->>'region' = $4)"
             " AND ($5::text IS NULL OR data->>'country' = $5)"
             " AND ($6::date IS NULL OR (data->>'start_window_to')::date >= $6)"
             " AND ($7::date IS NULL OR (data->>'start_window_from')::date <= $7)")
    args = [today, filters["scheme"], filters["sector"], filters["region"],
            filters["country"], filters["starts_after"], filters["starts_before"]]
    total = await conn.fetchval(f"SELECT count(*) FROM opportunities WHERE {where}", *args)
    rows = await conn.fetch(
        f"SELECT * FROM opportunities WHERE {where} ORDER BY (data->>'start_window_from')::date,"
        f" opportunity_id LIMIT $8 OFFSET $9", *args, limit, offset)
    return rows, total


@router.get("/published-opportunities", response_model=PublishedPage, tags=["opportunities"],
            summary="Open opportunities an applicant can apply to, public fields only")
async def list_published(
        caller: CallerDep, pool: PoolDep, scheme: Scheme | None = None,
        sector: Sector | None = None, region: UKRegion | None = None,
        country: Country | None = None,
        starts_after: Annotated[date | None, Query(
            description="the start window ends on or after this date")] = None,
        starts_before: Annotated[date | None, Query(
            description="the start window opens on or before this date")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
        offset: Offset = 0) -> PublishedPage:
    filters = {"scheme": scheme, "sector": sector, "region": region, "country": country,
               "starts_after": starts_after, "starts_before": starts_before}
    async with pool.acquire() as conn:
        rows, total = await published_page(conn, date.today(), filters, limit, offset)
    return PublishedPage(items=[PublishedOpportunity.of(r) for r in rows], total=total,
                         limit=limit, offset=offset)


@router.get("/published-opportunities/{opportunity_id}", response_model=PublishedOpportunity,
            tags=["opportunities"], summary="One open opportunity, public fields only")
async def get_published(opportunity_id: uuid.UUID, caller: CallerDep,
                        pool: PoolDep) -> PublishedOpportunity:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            f"SELECT * FROM opportunities WHERE opportunity_id = $2 AND {_OPEN}",
            date.today(), opportunity_id)
    if row is None:
        raise NotFound("no open opportunity with this id", "opportunity_id")
    return PublishedOpportunity.of(row)


class MyProposal(BaseModel):
    match_id: uuid.UUID
    status: str
    score: float
    explanation: dict[str, Any]
    opportunity: PublishedOpportunity


@router.get("/my-proposals/{application_id}", response_model=MyProposal,
            tags=["opportunities"],
            summary="The caller's own current proposal for one application, and why")
async def my_proposal(application_id: uuid.UUID, caller: CallerDep,
                      pool: PoolDep) -> MyProposal:
    # The applicant id check is in the query: someone else's application is simply not found.
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT p.match_id, p.status AS proposal_status, p.score, p.explanation,"
            " o.opportunity_id, o.capacity, o.places_held, o.data"
            " FROM proposals p JOIN applications a USING (application_id)"
            " JOIN opportunities o ON o.opportunity_id = p.opportunity_id"
            " WHERE p.application_id = $1 AND a.applicant_id = $2"
            " AND p.status IN ('live', 'confirmed') ORDER BY p.created_at DESC LIMIT 1",
            application_id, caller.id)
    if row is None:
        raise NotFound("no current proposal for this application", "application_id")
    return MyProposal(match_id=row["match_id"], status=row["proposal_status"],
                      score=row["score"], explanation=row["explanation"],
                      opportunity=PublishedOpportunity.of(row))
