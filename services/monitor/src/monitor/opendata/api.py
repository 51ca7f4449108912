"""Open-data routes. Reading releases needs no sign-in (it is open data); making one is
central HR's action (the timer makes each on its due date anyway)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from shared.auth import require_central_hr
from shared.errors import ERROR_RESPONSES, Invalid
from shared.limits import WriterDep
from shared.use_cases import use_cases

from monitor.opendata.files import FILES
from monitor.opendata.periods import PERIOD_PATTERN, Quarter
from monitor.opendata.releases import Release, Releases
from monitor.use_cases import MonitorUseCases

router = APIRouter(prefix="/open-data/releases", tags=["open data"],
                   responses=ERROR_RESPONSES)
UseCases = Annotated[MonitorUseCases, Depends(use_cases(MonitorUseCases))]
Period = Annotated[str, Path(pattern=PERIOD_PATTERN, examples=["2026-Q3"],
                             description="A quarter, YYYY-Qn")]
FileName = StrEnum("FileName", {f: f for f in FILES})  # type: ignore[misc]
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8"}
# Frozen files: caches may keep them for good; any site may fetch them (open data).
FROZEN = {"Cache-Control": "public, max-age=31536000, immutable",
          "Access-Control-Allow-Origin": "*"}


class ReleaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"period": "2026-Q3"}]})
    period: str = Field(pattern=PERIOD_PATTERN, description="An ended quarter, YYYY-Qn, later "
                        "than every release made so far")


def quarter(period: str) -> Quarter:
    try:
        return Quarter.parse(period)
    except ValueError as exc:
        raise Invalid(str(exc), "period") from None


@router.get("", response_model=Releases, summary="Every release, newest first, and when the "
            "next is due (no sign-in)")
async def list_releases(uc: UseCases) -> Releases:
    return await uc.open_data_releases.list()


@router.post("", status_code=201, response_model=Release,
             dependencies=[Depends(require_central_hr)],
             summary="Make an ended quarter's release now (central HR); it is frozen at once")
async def make_release(uc: UseCases, caller: WriterDep, body: ReleaseRequest) -> Release:
    return await uc.open_data_releases.make(quarter(body.period), "hr", caller.id)


@router.get("/{period}", response_model=Release,
            summary="One release: its period, release date and files (no sign-in)")
async def get_release(uc: UseCases, period: Period) -> Release:
    return await uc.open_data_releases.get(quarter(period))


@router.get("/{period}/{file}", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}},
                             "description": "the file, exactly as released"}},
            summary="A release's file: datapackage.json, placements.csv, placements.json or "
                    "placements-itl1.csv (no sign-in; 404 naming the due date if not out)")
async def release_file(uc: UseCases, period: Period, file: FileName) -> Response:
    text = await uc.open_data_releases.file(quarter(period), file.value)
    return Response(text, media_type=MEDIA[file.value.rsplit(".", 1)[1]], headers=FROZEN)
