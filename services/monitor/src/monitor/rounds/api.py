"""HTTP: a matching round's report as the monitor rebuilds it from events (central HR)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from shared.auth import require_central_hr
from shared.errors import ERROR_RESPONSES, Conflict, NotFound
from shared.limits import Limit
from shared.use_cases import use_cases

from monitor.rounds import store
from monitor.rounds.rebuild import Incomplete, rebuild
from monitor.use_cases import MonitorUseCases

router = APIRouter(dependencies=[Depends(require_central_hr)], responses=ERROR_RESPONSES,
                   tags=["rounds"])
UseCases = Annotated[MonitorUseCases, Depends(use_cases(MonitorUseCases))]


@router.get("/rounds", summary="Matching rounds whose result has been logged, newest first")
async def rounds(uc: UseCases, limit: Limit = 20) -> list[dict[str, Any]]:
    keep = ("round_id", "seed", "applicants", "opportunities", "places", "matched",
            "unmatched", "occurred_at")
    return [{k: r.get(k) for k in keep} for r in await store.matched_rounds(uc.pool, limit)]


@router.get("/rounds/{round_id}/report",
            summary="A round's report rebuilt from events alone, with the monitor's own "
                    "blocking-pair check (409 while its events are still arriving)")
async def report(round_id: UUID, uc: UseCases) -> dict[str, Any]:
    events = await store.round_events(uc.pool, round_id)
    done = [e for e in events if e["event_type"] == "RoundMatched"]
    if not done:
        raise NotFound(f"no RoundMatched for round {round_id} in the log", "round_id")
    offered = [p["opportunity_id"] for p in done[0].get("offered", [])]
    outcomes = [e for e in events if e["event_type"] != "RoundMatched"]
    at = done[0]["occurred_at"]
    opportunities = await store.opportunities_as_of(uc.pool, offered, at)
    lists = await store.lists_as_of(uc.pool, [o["application_id"] for o in outcomes], offered,
                                    at)
    try:
        return rebuild(done[0], outcomes, opportunities, lists)
    except Incomplete as e:
        raise Conflict(f"round {round_id}: {e}; ask again shortly", "round_id") from e
