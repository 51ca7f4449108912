"""The matching service's shape: it follows applications and placement outcomes; hosts'
opportunities and HR's rounds over HTTP. `build_app(settings)` turns it into the app."""

from __future__ import annotations

from fastapi import FastAPI
from shared.service import build_service_app
from shared.spec import ServiceSpec
from shared.unit_of_work import UnitsOfWork

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    PlacementConfirmed,
    PlacementRejected,
)
from matching.api import router
from matching.config import MatchingSettings
from matching.handlers import Matching
from matching.published import router as published_router
from matching.ranking import router as ranking_router
from matching.report_api import router as report_router
from matching.timetable import MatchDay
from matching.use_cases import MatchingUseCases

SPEC = ServiceSpec(
    name="matching",
    title="Matching service",
    description="Hosts' opportunities, explainable scores, continuous proposals, stable "
                "cohort rounds (deferred acceptance with capacities) and re-matching.",
    build=lambda rt: Matching(rt.settings, rt.outbox),
    use_cases=lambda rt, matching: MatchingUseCases.of(matching, rt.pool),
    handlers={
        ApplicationSubmitted: Matching.on_application_submitted,
        ApplicationSubmittedV2: Matching.on_application_submitted,
        ApplicationWithdrawn: Matching.on_application_withdrawn,
        ApplicantErased: Matching.on_applicant_erased,
        PlacementRejected: Matching.on_placement_rejected,  # propose the next best
        PlacementConfirmed: Matching.on_placement_confirmed,  # capacity
    },
    # Match day: a durable timer on the round's row (timetable.py).
    workers=(lambda rt, matching: MatchDay(matching, UnitsOfWork(rt.pool, matching.outbox),
                                           rt.settings.timer_poll_seconds),),
    routers=(router, published_router, ranking_router, report_router),
    openapi_tags=({"name": "opportunities", "description": "hosts' opportunities"},
                  {"name": "rounds", "description": "HR's cohort rounds and reports"},
                  {"name": "rankings", "description": "applicants' and hosts' rank order "
                   "lists; declining one proposal"}),
)


def build_app(settings: MatchingSettings) -> FastAPI:
    return build_service_app(settings, SPEC)
