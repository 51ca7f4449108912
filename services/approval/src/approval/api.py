"""HTTP: approvers' stages and decisions; placements for their parties and HR. Routes parse,
call one use case and render its result."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from shared.auth import CallerDep, Role, require_roles
from shared.errors import ERROR_RESPONSES
from shared.limits import Limit, Offset, WriterDep
from shared.use_cases import use_cases

from approval.feedback import Feedback
from approval.handlers import DecisionCommand
from approval.lifecycle import Ending
from approval.schemas import (
    DecisionIn,
    EndIn,
    ExtendIn,
    FeedbackIn,
    FeedbackOut,
    PlacementOut,
    ReassignIn,
    StageOut,
    StartIn,
    TaskOut,
)
from approval.use_cases import ApprovalUseCases
from contracts import Scheme

router = APIRouter(responses=ERROR_RESPONSES)
# Who may call at all (403 otherwise); which objects each caller sees is checked below (404).
Approvers = Depends(require_roles(Role.LINE_MANAGER, Role.HR, Role.ETHICS, Role.VETTING,
                                  Role.EMPLOYER, Role.FCDO_POST, Role.BCC, Role.HOST))
Parties = Depends(require_roles(Role.APPLICANT, Role.HOST, Role.HR))
# The releasing employer (role employer of the application's organisation) also sees it.
Viewers = Depends(require_roles(Role.APPLICANT, Role.HOST, Role.HR, Role.EMPLOYER))
FeedbackGivers = Depends(require_roles(Role.APPLICANT, Role.HOST, Role.EMPLOYER))
Managers = Depends(require_roles(Role.HOST, Role.HR))
UseCases = Annotated[ApprovalUseCases, Depends(use_cases(ApprovalUseCases))]


@router.get("/stages", tags=["approvals"], dependencies=[Approvers],
            summary="Stages waiting for (or decided by) you")
async def list_stages(caller: CallerDep, uc: UseCases,
                      status: Literal["open", "granted", "refused", "expired",
                                      "withdrawn"] | None = None,
                      limit: Limit = 50, offset: Offset = 0) -> list[StageOut]:
    return await uc.stages.listing(caller, status, limit, offset)


@router.get("/stages/{stage_id}", tags=["approvals"], dependencies=[Approvers],
            summary="One stage you may see")
async def get_stage(stage_id: uuid.UUID, caller: CallerDep, uc: UseCases) -> StageOut:
    return await uc.stages.get(caller, stage_id)


@router.post("/stages/{stage_id}/decision", tags=["approvals"], dependencies=[Approvers],
             summary="Grant or refuse a stage (hosts: accept or decline); repeatable")
async def decide(stage_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                 body: Annotated[DecisionIn, Body()]) -> StageOut:
    command = DecisionCommand(body.decision, body.reason, body.note, body.mitigation)
    return await uc.stages.decide(caller, stage_id, command)


@router.get("/tasks", tags=["approvals"], dependencies=[Approvers],
            summary="Stages waiting for your decision, across your roles and organisation",
            description="Each with its deadline (working days) and whether it is due soon or "
                        "overdue. Central HR also gets every escalated stage.")
async def list_tasks(caller: CallerDep, uc: UseCases, scheme: Scheme | None = None,
                     sort: Annotated[Literal["due", "opened"], Query(
                         description="by deadline (default) or by when the stage opened")
                     ] = "due",
                     limit: Limit = 50, offset: Offset = 0) -> list[TaskOut]:
    return await uc.tasks.waiting_for(caller, scheme, sort, limit, offset)


@router.get("/applications/{application_id}/stages", tags=["approvals"],
            dependencies=[Approvers],
            summary="An application's stages with their decisions and notes",
            description="For whoever holds (or held) one of its stages, a host it was "
                        "proposed to, and central HR; anyone else hears 404.")
async def application_stages(application_id: uuid.UUID, caller: CallerDep,
                             uc: UseCases) -> list[StageOut]:
    return await uc.tasks.of_application(caller, application_id)


@router.post("/stages/{stage_id}/reassign", tags=["approvals"],
             dependencies=[Depends(require_roles(Role.HR))],
             summary="Give an open stage to another approver (central HR, or HR of the "
                     "organisation concerned)")
async def reassign_stage(stage_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                         body: Annotated[ReassignIn, Body()]) -> StageOut:
    return await uc.tasks.reassign(caller, stage_id, body.approver_id, body.reason)


@router.get("/placements", tags=["placements"], dependencies=[Viewers],
            summary="The placements you are a party to",
            description="The placee's own; a host's, HR's or a releasing employer's "
                        "organisation's (the employer's: those whose application names it); "
                        "central HR sees all. Newest end date first.")
async def list_placements(caller: CallerDep, uc: UseCases,
                          application_id: uuid.UUID | None = None,
                          status: Literal["confirmed", "started", "ended",
                                          "withdrawn"] | None = None,
                          limit: Limit = 50, offset: Offset = 0) -> list[PlacementOut]:
    return await uc.placements.listing(caller, application_id, status, limit, offset)


@router.get("/placements/{placement_id}", tags=["placements"], dependencies=[Viewers],
            summary="A placement, for the placee, the host, the releasing employer and HR")
async def get_placement(placement_id: uuid.UUID, caller: CallerDep,
                        uc: UseCases) -> PlacementOut:
    return await uc.placements.get(caller, placement_id)


@router.post("/placements/{placement_id}/start", tags=["placements"], dependencies=[Managers],
             summary="Mark a confirmed placement as started (host or HR)")
async def start_placement(placement_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                          body: Annotated[StartIn | None, Body()] = None) -> PlacementOut:
    return await uc.placements.start(caller, placement_id, body.started_on if body else None)


@router.post("/placements/{placement_id}/extend", tags=["placements"], dependencies=[Managers],
             summary="Extend the end date; never past 12 months from the start (host or HR)")
async def extend_placement(placement_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                           body: Annotated[ExtendIn, Body()]) -> PlacementOut:
    return await uc.placements.extend(caller, placement_id, body.new_end_date)


@router.post("/placements/{placement_id}/end", tags=["placements"], dependencies=[Parties],
             summary="End a started placement (placee, host or HR), with the caller's own "
                     "rating",
             description="ended_on lies between the day it started and the planned end "
                         "date, and is not in the future. Only the caller's own side's "
                         "rating is recorded (host_rating from the host, placee_rating from "
                         "the placee); each party's full feedback is POST .../feedback. "
                         "Left alone, a placement ends by itself once its end date is over.")
async def end_placement(placement_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                        body: Annotated[EndIn, Body()]) -> PlacementOut:
    ending = Ending(body.outcome, body.reason, body.ended_on, body.host_rating,
                    body.placee_rating, tuple(body.skills_gained))
    return await uc.placements.end(caller, placement_id, ending)


@router.post("/placements/{placement_id}/feedback", tags=["placements"], status_code=201,
             dependencies=[FeedbackGivers],
             summary="Give your own side's feedback on an ended placement, once",
             description="The placee, the host and the releasing employer each answer for "
                         "themselves; a second time is 409. The answers go out as "
                         "PlacementFeedbackGiven; the comments never leave this service.")
async def give_feedback(placement_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                        body: Annotated[FeedbackIn, Body()]) -> FeedbackOut:
    return await uc.placements.give_feedback(caller, placement_id,
                                             Feedback(body.answers(), body.comments))


@router.get("/placements/{placement_id}/feedback", tags=["placements"], dependencies=[Viewers],
            summary="Feedback on a placement: your own side's (HR: every side's)")
async def placement_feedback(placement_id: uuid.UUID, caller: CallerDep,
                             uc: UseCases) -> list[FeedbackOut]:
    return await uc.placements.feedback(caller, placement_id)
