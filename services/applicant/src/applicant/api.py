"""HTTP routes: own profile, applications, status and timeline. Reads check ownership."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from shared.auth import Caller, CallerDep, Role, require_roles
from shared.errors import NotFound
from shared.limits import MAX_PAGE_SIZE, WriterDep

from applicant import repository as repo
from applicant.domain import Status, sees_everything
from applicant.handlers import Applicants
from applicant.schemas import (
    APPLICATION_EXAMPLES,
    PROFILE_EXAMPLES,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ProfileIn,
    ProfileOut,
    TimelineEntry,
    WithdrawIn,
    application_out,
    timeline_out,
)
from contracts import Scheme

router = APIRouter()
ApplicantRole = Depends(require_roles(Role.APPLICANT))


def use_cases(request: Request) -> Applicants:
    return request.app.state.runtime.state["applicants"]


UseCases = Annotated[Applicants, Depends(use_cases)]


def pool(request: Request):
    return request.app.state.runtime.pool


def profile_out(row) -> ProfileOut:
    return ProfileOut.model_validate(dict(row))


@router.put("/applicants/me", tags=["applicants"], response_model=ProfileOut,
            dependencies=[ApplicantRole], summary="Create or update your applicant profile",
            responses={201: {"description": "profile created"}})
async def put_profile(caller: WriterDep, uc: UseCases, response: Response,
                      body: Annotated[ProfileIn, Body(openapi_examples=PROFILE_EXAMPLES)]
                      ) -> ProfileOut:
    row, created = await uc.save_profile(caller, body)
    response.status_code = 201 if created else 200
    return profile_out(row)


@router.get("/applicants/me", tags=["applicants"], response_model=ProfileOut,
            summary="Your applicant profile")
async def get_my_profile(caller: CallerDep, request: Request) -> ProfileOut:
    return await _profile(request, caller.id)


@router.get("/applicants/{applicant_id}", tags=["applicants"], response_model=ProfileOut,
            summary="An applicant's profile (yourself, or any for central HR)")
async def get_profile(applicant_id: str, caller: CallerDep, request: Request) -> ProfileOut:
    if applicant_id != caller.id and not sees_everything(caller.is_hr, caller.org):
        raise NotFound(f"no applicant {applicant_id}", "applicant_id")
    return await _profile(request, applicant_id)


async def _profile(request: Request, applicant_id: str) -> ProfileOut:
    row = await repo.get_applicant(pool(request), applicant_id)
    if row is None:
        raise NotFound(f"no applicant profile for {applicant_id}; create it with "
                       "PUT /applicants/me", "applicant_id")
    return profile_out(row)


@router.post("/applications", tags=["applications"], status_code=201,
             response_model=ApplicationOut, dependencies=[ApplicantRole],
             summary="Apply to a scheme (idempotent with an Idempotency-Key header)",
             responses={422: {"description": "a rule is broken; `field` names it"}})
async def submit(caller: WriterDep, uc: UseCases, response: Response,
                 body: Annotated[ApplicationIn, Body(openapi_examples=APPLICATION_EXAMPLES)],
                 idempotency_key: Annotated[str | None, Header(
                     alias="Idempotency-Key", min_length=1, max_length=200,
                     description="Retrying with the same key returns the first answer and "
                                 "creates nothing new.")] = None):
    answer = await uc.submit(caller, body, idempotency_key)
    response.status_code = answer.status_code
    response.headers["Location"] = f"/applications/{answer.body['id']}"
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return answer.body


@router.get("/applications", tags=["applications"], response_model=ApplicationPage,
            summary="Your applications (central HR: everyone's), newest first")
async def list_applications(
        caller: CallerDep, request: Request,
        status: Status | None = None, scheme: Scheme | None = None,
        applicant_id: Annotated[str | None, Query(description="central HR only")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0) -> ApplicationPage:
    if not sees_everything(caller.is_hr, caller.org):
        applicant_id = caller.id
    rows, total = await repo.list_applications(pool(request), applicant_id=applicant_id,
                                               status=status, scheme=scheme, limit=limit,
                                               offset=offset)
    return ApplicationPage(items=[application_out(r) for r in rows], total=total, limit=limit,
                           offset=offset)


@router.get("/applications/{application_id}", tags=["applications"],
            response_model=ApplicationOut,
            summary="One application: its status and what it awaits next, from whom")
async def get_application(application_id: uuid.UUID, caller: CallerDep,
                          request: Request) -> ApplicationOut:
    return application_out(await _visible(request, caller, application_id))


@router.get("/applications/{application_id}/timeline", tags=["applications"],
            response_model=list[TimelineEntry],
            summary="What happened to an application, when, and what was awaited after")
async def get_timeline(application_id: uuid.UUID, caller: CallerDep,
                       request: Request) -> list[TimelineEntry]:
    await _visible(request, caller, application_id)
    return [timeline_out(r) for r in await repo.timeline(pool(request), application_id)]


@router.post("/applications/{application_id}/withdraw", tags=["applications"],
             response_model=ApplicationOut, dependencies=[ApplicantRole],
             summary="Withdraw your application (until the placement starts)",
             responses={409: {"description": "already withdrawn, closed, or started"}})
async def withdraw(application_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                   body: Annotated[WithdrawIn | None, Body(openapi_examples={
                       "with a reason": {"value": {"reason": "my department needs me"}},
                       "without a reason": {"value": {}}})] = None) -> ApplicationOut:
    row = await uc.withdraw(caller, application_id, body.reason if body else None)
    return application_out(row)


async def _visible(request: Request, caller: Caller, application_id: uuid.UUID):
    row = await repo.get_application(pool(request), application_id)
    # Someone else's application reads as missing: its existence is not disclosed.
    if row is None or (row["applicant_id"] != caller.id
                       and not sees_everything(caller.is_hr, caller.org)):
        raise NotFound(f"no application {application_id}", "application_id")
    return row
