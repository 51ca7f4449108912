"""The approval service's shape: it follows proposals, withdrawals and erasures; the SLA timer
poller; approvers' and placements' HTTP routes. `build_app(settings)` turns it into the app."""

from __future__ import annotations

from fastapi import FastAPI
from shared.service import ServiceRuntime, build_service_app
from shared.spec import ServiceSpec

from approval import conditions
from approval import repository as repo
from approval.api import router
from approval.conditions_api import router as conditions_router
from approval.config import ApprovalSettings
from approval.handlers import Approvals
from approval.timers import TimerPoller
from approval.use_cases import ApprovalUseCases
from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    MatchDeclined,
    MatchProposed,
)


def build(rt: ServiceRuntime) -> Approvals:
    rt.metrics.service_gauge("bps_timers_overdue",
                             "timers (SLA deadlines, placement ends) past due and not fired",
                             repo.count_overdue_timers)
    return Approvals(rt.settings, rt.outbox)


SPEC = ServiceSpec(
    name="approval",
    title="Approval service",
    description="Scheme approval chains one stage at a time, host acceptance, durable SLA "
                "reminders, escalation and expiry, and placements of up to a year.",
    build=build,
    use_cases=lambda rt, approvals: ApprovalUseCases.of(approvals, rt.pool),
    handlers={
        MatchProposed: Approvals.on_match_proposed,
        MatchDeclined: Approvals.on_match_declined,
        ApplicationWithdrawn: Approvals.on_application_withdrawn,
        ApplicantErased: Approvals.on_applicant_erased,
        ApplicationSubmitted: conditions.on_application_submitted,
        ApplicationSubmittedV2: conditions.on_application_submitted,
    },
    workers=(lambda rt, approvals: TimerPoller(rt.pool, approvals,
                                               rt.settings.timer_poll_seconds),),
    routers=(router, conditions_router),
    openapi_tags=({"name": "approvals", "description": "approvers' stages and decisions"},
                  {"name": "placements", "description": "confirmed placements"}),
)


def build_app(settings: ApprovalSettings) -> FastAPI:
    return build_service_app(settings, SPEC)
