"""HTTP: hosts' opportunities and proposed candidates; HR's rounds and reports. Routes parse,
call one use case and render its result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from shared.auth import Caller, CallerDep, Role, require_central_hr, require_roles
from shared.errors import ERROR_RESPONSES, Forbidden
from shared.limits import Limit, Offset, WriterDep
from shared.use_cases import use_cases

from matching.rounds import Minimum
from matching.schemas import (
    CandidateOut,
    CloseIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    RoundIn,
    RoundOut,
)
from matching.use_cases import MatchingUseCases

router = APIRouter(responses=ERROR_RESPONSES)
# Role checks run before the body is validated: a wrong role hears 403 whatever it sent.
HostRole = Depends(require_roles(Role.HOST))
HostOrHR = Depends(require_roles(Role.HOST, Role.HR))
CentralHR = Depends(require_central_hr)
UseCases = Annotated[MatchingUseCases, Depends(use_cases(MatchingUseCases))]


def host_org(caller: Caller) -> str:
    if not caller.has(Role.HOST) or not caller.org:
        raise Forbidden("only a host acting for its organisation (role host with an org claim) "
                        "may do this", "org")
    return caller.org


def scope(caller: Caller) -> str | None:
    """None = sees every opportunity (central HR); else the host's own organisation."""
    if caller.is_central_hr:
        return None
    return host_org(caller)


@router.post("/opportunities", status_code=201, response_model=OpportunityOut,
             dependencies=[HostRole],
             tags=["opportunities"], summary="Publish an opportunity for the caller's host org")
async def publish(body: OpportunityIn, caller: WriterDep, uc: UseCases) -> OpportunityOut:
    return await uc.opportunities.publish(host_org(caller), body.model_dump())


@router.patch("/opportunities/{opportunity_id}", response_model=OpportunityOut,
              dependencies=[HostRole],
              tags=["opportunities"], summary="Amend an own opportunity before any match")
async def amend(opportunity_id: uuid.UUID, body: OpportunityPatch, caller: WriterDep,
                uc: UseCases) -> OpportunityOut:
    return await uc.opportunities.amend(host_org(caller), opportunity_id,
                                        body.model_dump(exclude_unset=True))


@router.post("/opportunities/{opportunity_id}/close", response_model=OpportunityOut,
             dependencies=[HostRole],
             tags=["opportunities"], summary="Close an own opportunity to new proposals")
async def close(opportunity_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                body: CloseIn | None = None) -> OpportunityOut:
    return await uc.opportunities.close(host_org(caller), opportunity_id,
                                        body.reason if body else None)


@router.get("/opportunities", response_model=list[OpportunityOut], tags=["opportunities"],
            dependencies=[HostOrHR],
            summary="The caller's opportunities (central HR: all)")
async def list_opportunities(caller: CallerDep, uc: UseCases, limit: Limit = 50,
                             offset: Offset = 0) -> list[OpportunityOut]:
    return await uc.opportunities.listing(scope(caller), limit, offset)


@router.get("/opportunities/{opportunity_id}", response_model=OpportunityOut,
            dependencies=[HostOrHR],
            tags=["opportunities"], summary="One own opportunity")
async def get_opportunity(opportunity_id: uuid.UUID, caller: CallerDep,
                          uc: UseCases) -> OpportunityOut:
    return await uc.opportunities.get(scope(caller), opportunity_id)


@router.get("/opportunities/{opportunity_id}/candidates", response_model=list[CandidateOut],
            dependencies=[HostOrHR],
            tags=["opportunities"],
            summary="Candidates proposed for an own opportunity, best first, with explanations")
async def candidates(opportunity_id: uuid.UUID, caller: CallerDep, uc: UseCases,
                     limit: Limit = 50, offset: Offset = 0) -> list[CandidateOut]:
    return await uc.opportunities.candidates(scope(caller), opportunity_id, limit, offset)


@router.get("/proposals/{match_id}", response_model=CandidateOut, dependencies=[HostOrHR],
            tags=["opportunities"],
            summary="One candidate proposed for an own opportunity, with its explanation")
async def proposal(match_id: uuid.UUID, caller: CallerDep, uc: UseCases) -> CandidateOut:
    return await uc.opportunities.proposal(scope(caller), match_id)


@router.post("/rounds", status_code=201, response_model=RoundOut, tags=["rounds"],
             dependencies=[CentralHR],
             summary="Run a cohort round over every waiting application (central HR)")
async def start_round(caller: WriterDep, uc: UseCases,
                      body: RoundIn | None = None) -> RoundOut:
    minimums = tuple(Minimum(m.dimension, m.value, m.share)
                     for m in (body.minimum_shares if body else []))
    return await uc.rounds.start(caller.id, minimums)


@router.get("/rounds", response_model=list[RoundOut], tags=["rounds"],
            dependencies=[CentralHR],
            summary="Recent rounds, newest first (central HR)")
async def list_rounds(uc: UseCases, limit: Limit = 20, offset: Offset = 0) -> list[RoundOut]:
    return await uc.rounds.listing(limit, offset)


@router.get("/rounds/{round_id}", response_model=RoundOut, tags=["rounds"],
            dependencies=[CentralHR],
            summary="A round's report: matched, unmatched reasons, fill rate by sector/region")
async def get_round(round_id: uuid.UUID, uc: UseCases) -> RoundOut:
    return await uc.rounds.get(round_id)
