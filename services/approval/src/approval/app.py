"""Wiring: consumers of proposals and withdrawals, the SLA timer poller, the HTTP routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from shared.service import ServiceRuntime, build_service_app

from approval.api import router
from approval.config import ApprovalSettings
from approval.handlers import Approvals
from approval.timers import TimerPoller
from approval.use_cases import ApprovalUseCases
from contracts import ApplicantErased, ApplicationWithdrawn, MatchProposed


def build_app(settings: ApprovalSettings) -> FastAPI:
    async def wire(runtime: ServiceRuntime):
        approvals = Approvals(settings, runtime.outbox)
        runtime.use_cases = ApprovalUseCases.of(approvals, runtime.pool)
        (runtime.consumer()
         .on(MatchProposed, approvals.on_match_proposed)
         .on(ApplicationWithdrawn, approvals.on_application_withdrawn)
         .on(ApplicantErased, approvals.on_applicant_erased)
         .attach(runtime.broker, *runtime.topics("matches", "applications")))
        poller = TimerPoller(runtime.pool, approvals, settings.timer_poll_seconds)
        runtime.state["timers"] = poller
        poller.start()
        return poller.stop

    return build_service_app(
        settings, title="Approval service",
        description="Scheme approval chains one stage at a time, host acceptance, durable SLA "
                    "reminders, escalation and expiry, and placements of up to a year.",
        migrations=Path(__file__).parent / "migrations", wire=wire, routers=[router],
        openapi_tags=[{"name": "approvals", "description": "approvers' stages and decisions"},
                      {"name": "placements", "description": "confirmed placements"}])
