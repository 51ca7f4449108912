"""Wiring: consumers of applications and placements, the HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shared.service import ServiceRuntime, build_service_app

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


def build_app(settings: MatchingSettings) -> FastAPI:
    async def wire(runtime: ServiceRuntime) -> None:
        matching = Matching(settings, runtime.outbox)
        runtime.state["matching"] = matching
        (runtime.consumer()
         .on(ApplicationSubmitted, matching.on_application_submitted)
         .on(ApplicationSubmittedV2, matching.on_application_submitted)
         .on(ApplicationWithdrawn, matching.on_application_withdrawn)
         .on(ApplicantErased, matching.on_applicant_erased)
         .on(PlacementRejected, matching.on_placement_rejected)
         .on(PlacementConfirmed, matching.on_placement_confirmed)
         .attach(runtime.broker, *runtime.topics("applications", "placements")))

    return build_service_app(
        settings, title="Matching service",
        description="Hosts' opportunities, explainable scores, continuous proposals, stable "
                    "cohort rounds (deferred acceptance with capacities) and re-matching.",
        migrations=Path(__file__).parent / "migrations", wire=wire,
        routers=[router, published_router],
        openapi_tags=[{"name": "opportunities", "description": "hosts' opportunities"},
                      {"name": "rounds", "description": "HR's cohort rounds and reports"}])
