"""Research routes: evaluators make and download pseudonymised extracts of their own; central
HR reads the log of every extract. Anyone else hears 403 saying who may."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from shared.auth import Caller, CallerDep, CentralHRDep, Role
from shared.errors import ERROR_RESPONSES, Forbidden
from shared.limits import MAX_PAGE_SIZE, WriterDep
from shared.use_cases import use_cases

from monitor.research.columns import FILE_NAMES
from monitor.research.extracts import Extract, ExtractLog, ExtractRequest
from monitor.use_cases import MonitorUseCases

router = APIRouter(tags=["research"], responses=ERROR_RESPONSES)
UseCases = Annotated[MonitorUseCases, Depends(use_cases(MonitorUseCases))]
FileName = StrEnum("FileName", {f: f for f in FILE_NAMES})  # type: ignore[misc]
ExtractId = Annotated[UUID, Path(description="The extract's id")]


async def require_evaluator(caller: CallerDep) -> Caller:
    if not caller.has(Role.EVALUATOR):
        roles = ", ".join(sorted(caller.roles)) or "none"
        raise Forbidden("only evaluators (role evaluator, e.g. the Industrial Strategy "
                        "Council's analysts) may request or read research extracts; your "
                        f"token's roles: {roles}", "roles")
    return caller


Evaluator = Annotated[Caller, Depends(require_evaluator)]


@router.post("/research/extracts", status_code=201, response_model=Extract,
             summary="Make a pseudonymised research extract now (evaluators); it is logged")
async def make_extract(uc: UseCases, caller: Evaluator, _writer: WriterDep,
                       body: ExtractRequest) -> Extract:
    return await uc.research.make(body, caller.id)


@router.get("/research/extracts", response_model=ExtractLog,
            summary="Your extracts, newest first (evaluators)")
async def my_extracts(uc: UseCases, caller: Evaluator) -> ExtractLog:
    return await uc.research.mine(caller.id)


@router.get("/research/extracts/{extract_id}", response_model=Extract,
            summary="One of your extracts: what it holds and its files (evaluators)")
async def get_extract(uc: UseCases, caller: Evaluator, extract_id: ExtractId) -> Extract:
    return await uc.research.get(extract_id, caller.id)


@router.get("/research/extracts/{extract_id}/{file}", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the file"}},
            summary="A file of one of your extracts: applications.csv, placements.csv, "
                    "comparison_group.csv or dictionary.csv (404 once expired)")
async def extract_file(uc: UseCases, caller: Evaluator, extract_id: ExtractId,
                       file: FileName) -> Response:
    text = await uc.research.file(extract_id, caller.id, file.value)
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="extract-{extract_id}-{file.value}"'})


@router.get("/research/extract-log", response_model=ExtractLog,
            summary="Every extract ever made: who, when, what, row counts (central HR)")
async def extract_log(uc: UseCases, _: CentralHRDep,
                      limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100) -> ExtractLog:
    return await uc.research.everyone(limit)
