"""Wiring: the event-log consumer, the dead-letter reader, the replayer, the routes, the page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from shared.service import ServiceRuntime, build_service_app

from contracts import TOPICS
from monitor.api import router
from monitor.config import MonitorSettings
from monitor.handlers import EventLog, attach_dead_letter_reader
from monitor.use_cases import MonitorUseCases

STATIC = Path(__file__).parent / "static"


def build_app(settings: MonitorSettings) -> FastAPI:
    async def wire(runtime: ServiceRuntime):
        s = runtime.settings
        consumer = runtime.consumer()
        EventLog(s.topic_prefix).attach(consumer).attach(
            runtime.broker, *runtime.topics(*(t.name for t in TOPICS)))
        attach_dead_letter_reader(runtime.broker, runtime.pool,
                                  runtime.topics(*(t.dlq for t in TOPICS)),
                                  group_id=f"{s.topic_prefix}{s.service_name}-dlq")
        runtime.use_cases = MonitorUseCases(s, runtime.pool, runtime.dlq_producer)
        return None

    app = build_service_app(
        settings, title="HR monitor",
        description="Every event of the scheme in one append-only log: a live stream with PII "
                    "redacted, placement timelines, KPIs, dead-letter replay and an anonymised "
                    "open-data export. Central HR only. The web page is at `/`.",
        migrations=Path(__file__).parent / "migrations", wire=wire, routers=[router],
        openapi_tags=[{"name": "stream", "description": "live Server-Sent Events"},
                      {"name": "timeline", "description": "one journey's story"},
                      {"name": "kpis", "description": "scheme health"},
                      {"name": "dead letters", "description": "inspect and replay"},
                      {"name": "open data", "description": "anonymised aggregates"}])

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        # The page is public static code; every call it makes carries the HR token.
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
