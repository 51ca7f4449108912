"""Wiring: the status read model's consumer, the use cases, the HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from shared.service import ServiceRuntime, build_service_app

from applicant.api import router
from applicant.config import ApplicantSettings
from applicant.handlers import Applicants
from contracts import (
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStageOpened,
    MatchProposed,
    NoMatchFound,
    PlacementApproved,
    PlacementConfirmed,
    PlacementEnded,
    PlacementExtended,
    PlacementRejected,
    PlacementStarted,
)

FOLLOWED = (MatchProposed, NoMatchFound, ApprovalStageOpened, ApprovalGranted, ApprovalRefused,
            ApprovalEscalated, ApprovalReminderDue, PlacementApproved, PlacementConfirmed,
            PlacementRejected, PlacementStarted, PlacementExtended, PlacementEnded)


def build_app(settings: ApplicantSettings) -> FastAPI:
    async def wire(runtime: ServiceRuntime):
        applicants = Applicants(settings, runtime.pool, runtime.outbox)
        runtime.use_cases = applicants
        consumer = runtime.consumer()
        for event_type in FOLLOWED:
            consumer.on(event_type, applicants.on_event)
        consumer.attach(runtime.broker, *runtime.topics("matches", "approvals", "placements"))
        return None

    app = build_service_app(
        settings, title="Applicant service",
        description="Civil servants (industry scheme), industry professionals (government "
                    "scheme) and FCDO diplomats (diplomatic scheme) keep a profile, apply, "
                    "follow their application's status and timeline, and withdraw.",
        migrations=Path(__file__).parent / "migrations", wire=wire, routers=[router],
        openapi_tags=[{"name": "applicants", "description": "your applicant profile"},
                      {"name": "applications", "description": "apply, follow, withdraw"}])
    app.add_exception_handler(RequestValidationError, _validation_error)
    return app


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    # The platform's error shape, naming the first bad field; every problem stays listed.
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    loc = [str(p) for p in first["loc"] if p not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    detail = f"{field}: {first['msg']}" if field else first["msg"]
    problems = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
                for e in errors]
    return JSONResponse({"detail": detail, "field": field, "errors": problems}, status_code=422)
