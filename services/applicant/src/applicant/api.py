"""HTTP routes: own profile, applications, status and timeline. Reads check ownership in
the use cases; routes only parse, call one use case and render its result."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Query, Response
from pydantic import BaseModel
from shared.auth import CallerDep, Role, require_roles
from shared.crypto import ALG, encode_key
from shared.errors import ERROR_RESPONSES, NotFound
from shared.limits import MAX_PAGE_SIZE, Offset, WriterDep
from shared.use_cases import use_cases

from applicant.case_schemas import CaseOut
from applicant.domain import Status
from applicant.handlers import Applicants
from applicant.schemas import (
    APPLICATION_EXAMPLES,
    PROFILE_EXAMPLES,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    ProfileIn,
    ProfileOut,
    TimelineEntry,
    WithdrawIn,
)
from contracts import Scheme

router = APIRouter(responses=ERROR_RESPONSES)
ApplicantRole = Depends(require_roles(Role.APPLICANT))
# Other roles never read applications here (approvers see what their stage needs elsewhere).
ReaderRole = Depends(require_roles(Role.APPLICANT, Role.HR))
UseCases = Annotated[Applicants, Depends(use_cases(Applicants))]


@router.put("/applicants/me", tags=["applicants"], response_model=ProfileOut,
            dependencies=[ApplicantRole], summary="Create or update your applicant profile",
            responses={201: {"description": "profile created"}})
async def put_profile(caller: WriterDep, uc: UseCases, response: Response,
                      body: Annotated[ProfileIn, Body(openapi_examples=PROFILE_EXAMPLES)]
                      ) -> ProfileOut:
    saved = await uc.save_profile(caller, body)
    response.status_code = 201 if saved.created else 200
    return saved.profile


@router.get("/applicants/me", tags=["applicants"], response_model=ProfileOut,
            dependencies=[ApplicantRole], summary="Your applicant profile")
async def get_my_profile(caller: CallerDep, uc: UseCases) -> ProfileOut:
    return await uc.profile(caller, caller.id)


@router.get("/applicants/{applicant_id}", tags=["applicants"], response_model=ProfileOut,
            dependencies=[ReaderRole],
            summary="An applicant's profile (yourself, or any for central HR)")
async def get_profile(applicant_id: str, caller: CallerDep, uc: UseCases) -> ProfileOut:
    return await uc.profile(caller, applicant_id)


@router.post("/applications", tags=["applications"], status_code=201,
             response_model=ApplicationOut, dependencies=[ApplicantRole],
             summary="Apply to a scheme (idempotent with an Idempotency-Key header)")
async def submit(caller: WriterDep, uc: UseCases, response: Response,
                 body: Annotated[ApplicationIn, Body(openapi_examples=APPLICATION_EXAMPLES)],
                 idempotency_key: Annotated[str | None, Header(
                     alias="Idempotency-Key", min_length=1, max_length=200,
                     description="Retrying with the same key returns the first answer and "
                                 "creates nothing new.")] = None) -> ApplicationOut:
    submitted = await uc.submit(caller, body, idempotency_key)
    response.headers["Location"] = f"/applications/{submitted.application.id}"
    if submitted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return submitted.application


@router.get("/applications", tags=["applications"], response_model=ApplicationPage,
            dependencies=[ReaderRole],
            summary="Your applications (central HR: everyone's), newest first")
async def list_applications(
        caller: CallerDep, uc: UseCases,
        status: Status | None = None, scheme: Scheme | None = None,
        applicant_id: Annotated[str | None, Query(description="central HR only")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
        offset: Offset = 0) -> ApplicationPage:
    return await uc.applications(caller, ApplicationQuery(
        status=status, scheme=scheme, applicant_id=applicant_id, limit=limit, offset=offset))


@router.get("/applications/{application_id}", tags=["applications"],
            response_model=ApplicationOut, dependencies=[ReaderRole],
            summary="One application: its status and what it awaits next, from whom")
async def get_application(application_id: uuid.UUID, caller: CallerDep,
                          uc: UseCases) -> ApplicationOut:
    return await uc.application(caller, application_id)


@router.get("/applications/{application_id}/timeline", tags=["applications"],
            response_model=list[TimelineEntry], dependencies=[ReaderRole],
            summary="What happened to an application, when, and what was awaited after")
async def get_timeline(application_id: uuid.UUID, caller: CallerDep,
                       uc: UseCases) -> list[TimelineEntry]:
    return await uc.timeline(caller, application_id)


@router.get("/applications/{application_id}/case", tags=["cases"], response_model=CaseOut,
            summary="The case a decider reads: the applicant's details, the proposal, the "
                    "stages decided so far",
            description="Only for whoever holds (or held) one of the application's stages, "
                        "the host it was proposed to, central HR and the applicant; anyone "
                        "else hears 404. "
                        "Declared interests go to the conflict-of-interest stage and HR only.")
async def get_case(application_id: uuid.UUID, caller: CallerDep, uc: UseCases) -> CaseOut:
    # Every role may ask (deciders come in all of them); only those on the case get an answer.
    return await uc.cases.view(caller, application_id)


@router.post("/applications/{application_id}/withdraw", tags=["applications"],
             response_model=ApplicationOut, dependencies=[ApplicantRole],
             summary="Withdraw your application (until the placement starts)")
async def withdraw(application_id: uuid.UUID, caller: WriterDep, uc: UseCases,
                   body: Annotated[WithdrawIn | None, Body(openapi_examples={
                       "with a reason": {"value": {"reason": "my department needs me"}},
                       "without a reason": {"value": {}}})] = None) -> ApplicationOut:
    return await uc.withdraw(caller, application_id, body.reason if body else None)


# --- right to erasure and data keys ------------------------------------------------------------

@router.delete("/applicants/me", tags=["applicants"], status_code=204,
               dependencies=[ApplicantRole],
               summary="Erase your personal data (right to erasure)",
               description="Withdraws your live applications, deletes the key that sealed your "
                           "contact details in events, blanks your profile, and tells every "
                           "service to drop what it holds about you. Cannot be undone. 404: no "
                           "profile, or already erased.")
async def erase_me(caller: WriterDep, uc: UseCases) -> Response:
    await uc.erase(caller.id)
    return Response(status_code=204)


@router.post("/applicants/{applicant_id}/erase", tags=["applicants"], status_code=204,
             dependencies=[Depends(require_roles(Role.HR))],
             summary="Erase an applicant's personal data on their request (central HR)",
             description="404: no such applicant, or already erased (departmental HR hears "
                         "the same: applicants are not disclosed to it).")
async def erase_applicant(applicant_id: str, caller: WriterDep, uc: UseCases) -> Response:
    await uc.erase_on_request(caller, applicant_id)
    return Response(status_code=204)


class DataKeyOut(BaseModel):
    key_id: str
    alg: str
    key: str


@router.get("/internal/data-keys/{applicant_id}", tags=["internal"], response_model=DataKeyOut,
            summary="A person's data key, for services that must open their sealed contact "
                    "details (allowed service principals only)",
            description="404: no key (never sealed anything, or erased).")
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
