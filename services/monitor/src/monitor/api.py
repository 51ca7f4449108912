"""HTTP routes: stream, timeline, KPIs, dead letters, open data. Central HR only. Routes parse,
call one use case and render its typed result."""

from __future__ import annotations

import csv
import io
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response
from shared.auth import require_central_hr
from shared.errors import ERROR_RESPONSES, Invalid
from shared.limits import MAX_BIGINT, MAX_PAGE_SIZE, WriterDep
from shared.use_cases import use_cases
from sse_starlette import EventSourceResponse

from contracts import EVENT_TYPES, Scheme, Sector, UKRegion
from monitor import kpis
from monitor import repository as repo
from monitor.domain import OUTSIDE_UK
from monitor.schemas import DeadRecord, DeadRecordPage, Kpis, Meta, OpenData, Replayed, Timeline
from monitor.use_cases import MonitorUseCases

REGIONS = {r.value for r in UKRegion} | {OUTSIDE_UK}
# The monitor shows every journey, so only HR that sees everything may use it.
router = APIRouter(dependencies=[Depends(require_central_hr)], responses=ERROR_RESPONSES)
UseCases = Annotated[MonitorUseCases, Depends(use_cases(MonitorUseCases))]


def stream_filter(type: Annotated[list[str] | None, Query(
                      description="Event type(s); repeat or comma-separate.")] = None,
                  scheme: Scheme | None = None, sector: Sector | None = None,
                  region: Annotated[str | None, Query(
                      description="ITL1 region name, or 'Outside UK'.")] = None,
                  correlation_id: UUID | None = None) -> repo.StreamFilter:
    types = [t.strip() for v in type or [] for t in v.split(",") if t.strip()] or None
    for t in types or []:
        if t not in EVENT_TYPES:
            raise Invalid(f"type: unknown event type {t!r}; known: "
                          + ", ".join(sorted(EVENT_TYPES)), "type")
    if region is not None and region not in REGIONS:
        raise Invalid(f"region: {region!r} is not an ITL1 region name or {OUTSIDE_UK!r}",
                      "region")
    return repo.StreamFilter(types, scheme and scheme.value, sector and sector.value, region,
                             correlation_id)


@router.get("/meta", tags=["stream"], response_model=Meta,
            summary="The values the stream filters accept")
async def meta() -> Meta:
    return Meta(event_types=sorted(EVENT_TYPES), schemes=[s.value for s in Scheme],
                sectors=[s.value for s in Sector], regions=sorted(REGIONS))


@router.get("/stream", tags=["stream"], summary="Live event stream (Server-Sent Events)",
            response_class=EventSourceResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`event` frames whose data is one logged event"}},
            description="Each SSE `id` is the event's position in the log; reconnect with "
                        "`Last-Event-ID` (header, or `last_event_id` query) to resume with no "
                        "gap. Without it the last `backlog` matching events come first. "
                        "Payloads never carry fields the contracts mark as PII.")
async def stream(uc: UseCases, f: Annotated[repo.StreamFilter, Depends(stream_filter)],
                 last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
                 last_event_id: Annotated[str | None, Query()] = None,
                 backlog: Annotated[int | None, Query(ge=0, le=500)] = None
                 ) -> EventSourceResponse:
    given = last_event_id_header or last_event_id
    if given is not None and not (given.strip().isdigit() and int(given) <= MAX_BIGINT):
        raise Invalid("Last-Event-ID must be the non-negative integer id of an event",
                      "Last-Event-ID")
    source = uc.stream(f, int(given) if given is not None else None, backlog)
    return EventSourceResponse(source, ping=uc.settings.stream_ping_seconds,
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/timeline/{application_id}", tags=["timeline"], response_model=Timeline,
            summary="Every event of one application or placement, in order, with who acted "
                    "and the time between steps")
async def get_timeline(uc: UseCases, application_id: Annotated[UUID, Path(
        description="An application id (or a placement id)")]) -> Timeline:
    return await uc.timeline(application_id)


@router.get("/kpis", tags=["kpis"], response_model=Kpis, summary="Counts, time to "
            "confirmation, SLA breaches, fill rates and outcome ratings")
async def get_kpis(uc: UseCases) -> Kpis:
    return await uc.kpis()


@router.get("/open-data.json", tags=["open data"], response_model=OpenData,
            summary="Anonymised counts by sector, region and scheme (counts under 5 are null)")
async def open_data_json(uc: UseCases) -> OpenData:
    return await uc.open_data()


@router.get("/open-data.csv", tags=["open data"], response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "the CSV file"}},
            summary="The open-data export as CSV (suppressed cells are '[c]')")
async def open_data_csv(uc: UseCases) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["sector", "region", "scheme", *kpis.OPEN_DATA_MEASURES])
    writer.writeheader()
    for row in (await uc.open_data()).rows:
        writer.writerow({k: "[c]" if v is None else v for k, v in row.model_dump().items()})
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="open-data.csv"'})


@router.get("/dead-letters", tags=["dead letters"], response_model=DeadRecordPage,
            summary="Dead records, newest first: one per record, naming every consumer that "
                    "failed on it, with reasons and its original position")
async def list_dead_letters(uc: UseCases, include_replayed: bool = False,
                            limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
                            before: Annotated[int | None, Query(ge=1, le=MAX_BIGINT)] = None
                            ) -> DeadRecordPage:
    return await uc.dead_records(include_replayed, limit, before)


@router.post("/dead-letters/{dead_letter_id}/replay", tags=["dead letters"],
             response_model=DeadRecord,
             summary="Publish a dead record's original bytes to its original topic, once, for "
                     "every consumer that failed on it (any of its letters' ids will do)")
async def replay_one(uc: UseCases, caller: WriterDep,
                     dead_letter_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)]) -> DeadRecord:
    return await uc.replay(dead_letter_id, caller.id)


@router.post("/dead-letters/replay-all", tags=["dead letters"], response_model=Replayed,
             summary="Replay every dead record not yet replayed (up to limit), oldest first")
async def replay_all(uc: UseCases, caller: WriterDep,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> Replayed:
    return await uc.replay_all(caller.id, limit)
