"""The applicant service's shape: the status read model follows its journey topics; the use
cases and HTTP routes. `build_app(settings)` turns it into the app."""

from __future__ import annotations

from fastapi import FastAPI
from shared.service import ServiceRuntime, build_service_app
from shared.spec import ServiceSpec

from applicant.api import router
from applicant.config import ApplicantSettings
from applicant.handlers import Applicants
from applicant.outcome_api import router as outcome_router
from applicant.outcome_repository import count_overdue
from applicant.outcome_timers import FollowUpPoller
from applicant.progress import step_for
from contracts import ALL_EVENTS

# The events the status read model follows are exactly those `step_for` has a step for (its
# singledispatch registry), so the subscription cannot drift from the dispatch table.
FOLLOWED = tuple(cls for cls in ALL_EVENTS if cls in step_for.registry)

def build(rt: ServiceRuntime) -> Applicants:
    rt.metrics.service_gauge("bps_follow_ups_overdue",
                             "Follow-up timers past due and not fired", count_overdue)
    return Applicants(rt.settings, rt.pool, rt.outbox)


SPEC = ServiceSpec(
    name="applicant",
    title="Applicant service",
    description="Civil servants (industry scheme), industry professionals (government scheme) "
                "and FCDO diplomats (diplomatic scheme) keep a profile, apply, follow their "
                "application's status and timeline, and withdraw.",
    build=build,
    handlers=dict.fromkeys(FOLLOWED, Applicants.on_event),
    workers=(lambda rt, applicants: FollowUpPoller(applicants.outcomes,
                                                   rt.settings.follow_up_poll_seconds),),
    routers=(router, outcome_router),
    openapi_tags=({"name": "applicants", "description": "your applicant profile"},
                  {"name": "applications", "description": "apply, follow, withdraw"},
                  {"name": "cases", "description": "an application as its deciders see it"},
                  {"name": "follow-ups", "description": "outcomes 6 and 12 months after"}),
)


def build_app(settings: ApplicantSettings) -> FastAPI:
    return build_service_app(settings, SPEC)
