"""The monitor's shape: the event log reads every topic, every dead letter is kept (and can be
replayed), the routes and the HR page. `build_app(settings)` turns it into the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from shared.service import ServiceRuntime, build_service_app
from shared.spec import ServiceSpec

from contracts import ALL_EVENTS
from monitor.api import router
from monitor.config import MonitorSettings
from monitor.handlers import EventLog
from monitor.opendata import api as open_data_api
from monitor.opendata.releases import OpenDataReleases, ReleaseTimer
from monitor.research import api as research_api
from monitor.targets import api as targets_api
from monitor.use_cases import MonitorUseCases

STATIC = Path(__file__).parent / "static"


def build(runtime: ServiceRuntime) -> EventLog:
    return EventLog(runtime.settings.topic_prefix)


SPEC = ServiceSpec(
    name="monitor",
    title="HR monitor",
    description="Every event of the scheme in one append-only log: a live stream with PII "
                "redacted, placement timelines, KPIs against HR's targets, dead-letter replay, "
                "open data, and pseudonymised research extracts for evaluators. Its pages are "
                "the web service's.",
    build=build,
    handlers=dict.fromkeys(ALL_EVENTS, EventLog.on_event),
    dead_letters=EventLog.on_dead_letter,
    use_cases=lambda rt, _log: MonitorUseCases(rt.settings, rt.pool, rt.dlq_producer),
    workers=(lambda rt, _log: ReleaseTimer(OpenDataReleases(rt.settings, rt.pool),
                                           rt.settings.open_data_timer_seconds),),
    routers=(router, open_data_api.router, research_api.router, targets_api.router),
    openapi_tags=({"name": "stream", "description": "live Server-Sent Events"},
                  {"name": "timeline", "description": "one journey's story"},
                  {"name": "kpis", "description": "scheme health"},
                  {"name": "dead letters", "description": "inspect and replay"},
                  {"name": "open data", "description": "quarterly releases for everyone "
                                                      "(no sign-in); HR's live aggregates"},
                  {"name": "research", "description": "pseudonymised extracts for "
                                                      "evaluators, and their log for HR"},
                  {"name": "kpi targets", "description": "HR's targets and each KPI "
                                                         "against them by quarter"}),
)


def build_app(settings: MonitorSettings) -> FastAPI:
    app = build_service_app(settings, SPEC)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        # The page is public static code; every call it makes carries the HR token.
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
