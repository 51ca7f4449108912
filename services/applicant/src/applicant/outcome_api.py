"""HTTP routes of outcome measurement: an applicant's follow-ups and their answers."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from shared.auth import CallerDep, Role, require_roles
from shared.errors import ERROR_RESPONSES
from shared.limits import WriterDep
from shared.use_cases import use_cases

from applicant.handlers import Applicants
from applicant.outcome_schemas import FOLLOW_UP_EXAMPLE, FollowUpOut
from contracts import FollowUpAnswers

router = APIRouter(tags=["follow-ups"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_roles(Role.APPLICANT))])
UseCases = Annotated[Applicants, Depends(use_cases(Applicants))]


@router.get("/follow-ups", response_model=list[FollowUpOut],
            summary="Your outcome follow-ups (6 and 12 months after leaving the scheme)")
async def list_follow_ups(caller: CallerDep, uc: UseCases) -> list[FollowUpOut]:
    return await uc.outcomes.mine(caller)


@router.get("/follow-ups/{follow_up_id}", response_model=FollowUpOut,
            summary="One follow-up: what it asks and where it stands",
            description="404: not yours; 410: your data was erased.")
async def get_follow_up(follow_up_id: uuid.UUID, caller: CallerDep,
                        uc: UseCases) -> FollowUpOut:
    return await uc.outcomes.one(caller, follow_up_id)


@router.post("/follow-ups/{follow_up_id}/answers", response_model=FollowUpOut,
             summary="Answer a follow-up (once: the first answer counts)",
             description="409: already answered, lapsed, or not yet open; 410: your data was "
                         "erased, so nothing is recorded.")
async def answer_follow_up(follow_up_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                           body: Annotated[FollowUpAnswers, Body(
                               openapi_examples=FOLLOW_UP_EXAMPLE)]) -> FollowUpOut:
    return await uc.outcomes.answer(caller, follow_up_id, body)
