"""HTTP: a round's published report for central HR, as JSON or CSV (`?format=csv`, a
`.csv` path or `Accept: text/csv`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from shared.auth import require_central_hr
from shared.errors import ERROR_RESPONSES, Conflict
from shared.use_cases import use_cases

from matching import round_report
from matching.use_cases import MatchingUseCases

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[Depends(require_central_hr)],
                   tags=["rounds"])
UseCases = Annotated[MatchingUseCases, Depends(use_cases(MatchingUseCases))]


class Verification(BaseModel):
    pairs_checked: int = Field(description="pairs an applicant ranked above its match")
    blocking_pairs: int
    blocking_pairs_held_apart: int = Field(description="of those, pairs a target held apart")
    places_over_capacity: int
    stable: bool = Field(description="no blocking pair but those targets held apart, no "
                         "opportunity over its places")
    lists_checked: int | None = Field(default=None, description="submitted lists (applicants' "
                                      "and hosts') compared with the lists the round used")
    lists_contradicted: int | None = Field(default=None, description="of those, lists the "
                                           "round's order contradicts (0 expected)")


class RoundReportOut(BaseModel):
    round_id: uuid.UUID
    seed: int | None
    applicants: int
    opportunities: int
    places: int
    matched: int
    unmatched: int
    fill_rate: float
    by_scheme: list[dict[str, Any]] = Field(description="applicants, matched, unmatched, "
                                            "places, filled, unfilled, fill_rate per scheme")
    by_sector: list[dict[str, Any]]
    by_region: list[dict[str, Any]] = Field(description="ITL1 region, or country outside the UK")
    by_country: list[dict[str, Any]]
    targets: list[dict[str, Any]] = Field(description="how far each target was met, and "
                                          "whether it bound (changed the result)")
    verification: Verification | None = Field(description="the result checked for blocking "
                                              "pairs under the lists the round used")


async def _report(uc: MatchingUseCases, round_id: uuid.UUID) -> dict[str, Any]:
    row = await uc.rounds.get(round_id)
    if row.status != "matched" or row.report is None:
        raise Conflict(f"round {round_id} has not run yet (status {row.status}); its report "
                       "comes on match day", "round_id")
    return round_report.published(str(row.round_id), row.seed, row.report)


def _csv(report: dict[str, Any]) -> Response:
    return Response(round_report.as_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="round-{report["round_id"]}.csv"'})


@router.get("/rounds/{round_id}/report", response_model=RoundReportOut,
            responses={200: {"content": {"text/csv": {}}}},
            summary="A round's report (JSON, or CSV by ?format=csv or Accept: text/csv)")
async def report(round_id: uuid.UUID, uc: UseCases,
                 format: Literal["json", "csv"] | None = Query(default=None),
                 accept: str = Header(default="application/json")) -> Any:
    body = await _report(uc, round_id)
    wants_csv = format == "csv" or (format is None and "text/csv" in accept)
    return _csv(body) if wants_csv else body


@router.get("/rounds/{round_id}/report.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}},
            summary="A round's report as CSV: one row per figure")
async def report_csv(round_id: uuid.UUID, uc: UseCases) -> Response:
    return _csv(await _report(uc, round_id))
