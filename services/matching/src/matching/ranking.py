"""HTTP: applicants' rank order lists, hosts' rankings, HR's stored targets, and an
applicant declining one proposal. Routes parse, call one use case and render its result."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from shared.auth import CallerDep, Role, require_roles
from shared.errors import ERROR_RESPONSES
from shared.limits import WriterDep

from matching.api import CentralHR, HostOrHR, HostRole, UseCases, host_org, scope
from matching.ranking_schemas import (
    DeclineIn,
    HostRankingIn,
    HostRankingOut,
    RankingIn,
    RankingOut,
    TargetsIn,
    TargetsOut,
)
from matching.schemas import CandidateOut

router = APIRouter(responses=ERROR_RESPONSES)
ApplicantRole = Depends(require_roles(Role.APPLICANT))


@router.put("/applications/{application_id}/ranking", response_model=RankingOut,
            dependencies=[ApplicantRole], tags=["rankings"],
            summary="Rank the opportunities you want for your own application (replaces "
                    "the list; until the round's ranking deadline)")
async def put_ranking(application_id: uuid.UUID, body: RankingIn, caller: WriterDep,
                      uc: UseCases) -> RankingOut:
    return await uc.rankings.submit(caller.id, application_id, body.opportunity_ids)


@router.get("/applications/{application_id}/ranking", response_model=RankingOut,
            dependencies=[ApplicantRole], tags=["rankings"],
            summary="Your rank order list for your own application")
async def get_ranking(application_id: uuid.UUID, caller: CallerDep,
                      uc: UseCases) -> RankingOut:
    return await uc.rankings.get(caller.id, application_id)


@router.put("/opportunities/{opportunity_id}/ranking", response_model=HostRankingOut,
            dependencies=[HostRole], tags=["rankings"],
            summary="Order or exclude (with a reason) the candidates who ranked your "
                    "opportunity; the others follow by explained score")
async def put_host_ranking(opportunity_id: uuid.UUID, body: HostRankingIn, caller: WriterDep,
                           uc: UseCases) -> HostRankingOut:
    return await uc.rankings.rank_candidates(host_org(caller), caller.id, opportunity_id, body)


@router.get("/opportunities/{opportunity_id}/ranking", response_model=HostRankingOut,
            dependencies=[HostOrHR], tags=["rankings"],
            summary="The candidates who ranked an own opportunity, in the order a round uses")
async def get_host_ranking(opportunity_id: uuid.UUID, caller: CallerDep,
                           uc: UseCases) -> HostRankingOut:
    return await uc.rankings.candidates(scope(caller), opportunity_id)


@router.put("/targets", response_model=TargetsOut, dependencies=[CentralHR], tags=["rounds"],
            summary="Store the minimum shares per region or sector that rounds honour")
async def put_targets(body: TargetsIn, caller: WriterDep, uc: UseCases) -> TargetsOut:
    return await uc.rounds.set_targets(caller.id, body.minimum_shares)


@router.get("/targets", response_model=TargetsOut, dependencies=[CentralHR], tags=["rounds"],
            summary="The stored minimum shares")
async def get_targets(uc: UseCases) -> TargetsOut:
    return await uc.rounds.targets()


@router.post("/my-proposals/{application_id}/decline", response_model=CandidateOut,
             dependencies=[ApplicantRole], tags=["rankings"],
             summary="Turn down your current proposal: the place goes back, your application "
                     "stays live, and this pair is never proposed again")
async def decline(application_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                  body: DeclineIn | None = None) -> CandidateOut:
    return await uc.declines.decline(caller.id, application_id, body.reason if body else None)
