"""HTTP: the conditions returning people carry (integrity after return), for HR only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from shared.auth import CallerDep, Role, require_roles
from shared.errors import ERROR_RESPONSES
from shared.limits import Limit, Offset
from shared.use_cases import use_cases

from approval.use_cases import ApprovalUseCases

router = APIRouter(responses=ERROR_RESPONSES)
UseCases = Annotated[ApprovalUseCases, Depends(use_cases(ApprovalUseCases))]


class ReturnConditionOut(BaseModel):
    placement_id: uuid.UUID
    application_id: uuid.UUID
    applicant_id: str
    scheme: str
    condition_kind: str
    former_host_org_id: str
    organisation_id: str
    grade: str | None
    ended_on: date
    restricted_until: date
    restricted_decisions: list[str]
    confidentiality: str | None
    recorded_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> ReturnConditionOut:
        return cls(**{name: row[name] for name in cls.model_fields})


@router.get("/return-conditions", tags=["placements"],
            dependencies=[Depends(require_roles(Role.HR))],
            summary="Conditions people carry back from their placements (HR)",
            description="Outward (a civil servant back from industry): the former host and "
                        "what they may not decide on for it until `restricted_until`, a period "
                        "set by grade. Inward (an industry expert back at their employer): "
                        "the confidentiality undertaking and until when. Central HR sees "
                        "everyone's; departmental HR those returning to its organisation.")
async def list_return_conditions(
        caller: CallerDep, uc: UseCases,
        in_force: Annotated[bool, Query(description="only those still running today "
                                                    "(default); false for all")] = True,
        limit: Limit = 50, offset: Offset = 0) -> list[ReturnConditionOut]:
    rows = await uc.conditions.listing(caller, in_force, limit, offset)
    return [ReturnConditionOut.of(r) for r in rows]
