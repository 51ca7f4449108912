"""KPI target routes: central HR only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from shared.auth import require_central_hr
from shared.errors import ERROR_RESPONSES
from shared.limits import WriterDep
from shared.use_cases import use_cases

from monitor.opendata.periods import PERIOD_PATTERN
from monitor.targets.service import Catalogue, Series, Target, TargetIn
from monitor.use_cases import MonitorUseCases

router = APIRouter(prefix="/kpi-targets", tags=["kpi targets"], responses=ERROR_RESPONSES,
                   dependencies=[Depends(require_central_hr)])
UseCases = Annotated[MonitorUseCases, Depends(use_cases(MonitorUseCases))]
Period = Annotated[str | None, Query(pattern=PERIOD_PATTERN, examples=["2026-Q1"])]


@router.get("", response_model=Catalogue,
            summary="The KPIs a target can be set for, and every target set so far")
async def catalogue(uc: UseCases) -> Catalogue:
    return await uc.targets.catalogue()


@router.post("", status_code=201, response_model=Target,
             summary="Set a KPI's target from a quarter on (kept with who set it and when)")
async def set_target(uc: UseCases, caller: WriterDep, body: TargetIn) -> Target:
    return await uc.targets.set(body, caller.id)


@router.get("/series", response_model=Series,
            summary="Each KPI by quarter against its target (default: the last four "
                    "quarters up to this one)")
async def series(uc: UseCases, from_period: Period = None, to_period: Period = None) -> Series:
    return await uc.targets.series(from_period, to_period)
