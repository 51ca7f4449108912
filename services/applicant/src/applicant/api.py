"""HTTP routes: own profile, applications, status and timeline. Reads check ownership."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel
from shared.auth import Caller, CallerDep, Role, require_roles
from shared.crypto import ALG, encode_key
from shared.errors import NotFound
from shared.limits import MAX_OFFSET, MAX_PAGE_SIZE, WriterDep

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
# Other roles never read applications here (approvers see what their stage needs elsewhere).
ReaderRole = Depends(require_roles(Role.APPLICANT, Role.HR))


async def use_cases(request: Request) -> Applicants:
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
            dependencies=[ApplicantRole], summary="Your applicant profile")
async def get_my_profile(caller: CallerDep, request: Request) -> ProfileOut:
    return await _profile(request, caller.id)


@router.get("/applicants/{applicant_id}", tags=["applicants"], response_model=ProfileOut,
            dependencies=[ReaderRole],
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
            dependencies=[ReaderRole],
            summary="Your applications (central HR: everyone's), newest first")
async def list_applications(
        caller: CallerDep, request: Request,
        status: Status | None = None, scheme: Scheme | None = None,
        applicant_id: Annotated[str | None, Query(description="central HR only")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> ApplicationPage:
    if not sees_everything(caller.is_hr, caller.org):
        applicant_id = caller.id
    rows, total = await repo.list_applications(pool(request), applicant_id=applicant_id,
                                               status=status, scheme=scheme, limit=limit,
                                               offset=offset)
    return ApplicationPage(items=[application_out(r) for r in rows], total=total, limit=limit,
                           offset=offset)


@router.get("/applications/{application_id}", tags=["applications"],
            response_model=ApplicationOut, dependencies=[ReaderRole],
            summary="One application: its status and what it awaits next, from whom")
async def get_application(application_id: uuid.UUID, caller: CallerDep,
                          request: Request) -> ApplicationOut:
    return application_out(await _visible(request, caller, application_id))


@router.get("/applications/{application_id}/timeline", tags=["applications"],
            response_model=list[TimelineEntry], dependencies=[ReaderRole],
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


# --- right to erasure and data keys ------------------------------------------------------------

@router.delete("/applicants/me", tags=["applicants"], status_code=204,
               dependencies=[ApplicantRole],
               summary="Erase your personal data (right to erasure)",
               description="Withdraws your live applications, deletes the key that sealed your "
                           "contact details in events, blanks your profile, and tells every "
                           "service to drop what it holds about you. Cannot be undone.",
               responses={404: {"description": "no profile, or already erased"}})
async def erase_me(caller: WriterDep, uc: UseCases) -> Response:
    await uc.erase(caller.id)
    return Response(status_code=204)


@router.post("/applicants/{applicant_id}/erase", tags=["applicants"], status_code=204,
             dependencies=[Depends(require_roles(Role.HR))],
             summary="Erase an applicant's personal data on their request (central HR)",
             responses={404: {"description": "no such applicant, or already erased"}})
async def erase_applicant(applicant_id: str, caller: WriterDep, uc: UseCases) -> Response:
    if not sees_everything(caller.is_hr, caller.org):
        raise NotFound(f"no applicant {applicant_id}", "applicant_id")
    await uc.erase(applicant_id)
    return Response(status_code=204)


class DataKeyOut(BaseModel):
    key_id: str
    alg: str
    key: str


@router.get("/internal/data-keys/{applicant_id}", tags=["internal"], response_model=DataKeyOut,
            summary="A person's data key, for services that must open their sealed contact "
                    "details (allowed service principals only)",
            responses={404: {"description": "no key: never sealed anything, or erased"}})
async def get_data_key(applicant_id: str, caller: CallerDep, uc: UseCases,
                       response: Response) -> DataKeyOut:
    if caller.id not in uc.settings.key_readers:
        raise HTTPException(403, detail="only the services named in APPLICANT_KEY_READERS "
                                        "may read data keys")
    key = await uc.data_key(applicant_id)
    if key is None:
        raise NotFound(f"no data key for {applicant_id}: erased, or nothing sealed",
                       "applicant_id")
    response.headers["Cache-Control"] = "no-store"
    return DataKeyOut(key_id=applicant_id, alg=ALG, key=encode_key(key))
