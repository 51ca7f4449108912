"""HTTP routes: stream, timeline, KPIs, dead letters, open data. Central HR only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from shared.auth import Caller, Role, require_roles
from shared.errors import Forbidden, Invalid, NotFound
from shared.limits import MAX_BIGINT, MAX_PAGE_SIZE, WriterDep
from sse_starlette import EventSourceResponse

from contracts import EVENT_TYPES, Scheme, Sector, UKRegion, redact
from monitor import kpis
from monitor import repository as repo
from monitor.domain import OUTSIDE_UK, timeline
from monitor.stream import follow

HR_CENTRAL = "hr-central"
REGIONS = {r.value for r in UKRegion} | {OUTSIDE_UK}


def central_hr(caller: Annotated[Caller, Depends(require_roles(Role.HR))]) -> Caller:
    # The monitor shows every journey, so only HR that sees everything may use it.
    if caller.org not in (None, HR_CENTRAL):
        raise Forbidden(f"the monitor is for central HR; your token's org is {caller.org!r}, "
                        f"expected none or {HR_CENTRAL!r}", "org")
    return caller


HrDep = Annotated[Caller, Depends(central_hr)]
router = APIRouter(dependencies=[Depends(central_hr)])


def _runtime(request: Request):
    return request.app.state.runtime


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


@router.get("/meta", tags=["stream"], summary="The values the stream filters accept")
async def meta() -> dict[str, list[str]]:
    return {"event_types": sorted(EVENT_TYPES), "schemes": [s.value for s in Scheme],
            "sectors": [s.value for s in Sector], "regions": sorted(REGIONS)}


@router.get("/stream", tags=["stream"], summary="Live event stream (Server-Sent Events)",
            description="Each SSE `id` is the event's position in the log; reconnect with "
                        "`Last-Event-ID` (header, or `last_event_id` query) to resume with no "
                        "gap. Without it the last `backlog` matching events come first. "
                        "Payloads never carry fields the contracts mark as PII.")
async def stream(request: Request, f: Annotated[repo.StreamFilter, Depends(stream_filter)],
                 last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
                 last_event_id: Annotated[str | None, Query()] = None,
                 backlog: Annotated[int | None, Query(ge=0, le=500)] = None
                 ) -> EventSourceResponse:
    given = last_event_id_header or last_event_id
    if given is not None and not (given.strip().isdigit() and int(given) <= MAX_BIGINT):
        raise Invalid("Last-Event-ID must be the non-negative integer id of an event",
                      "Last-Event-ID")
    settings = request.app.state.settings
    source = follow(_runtime(request).pool, f, int(given) if given is not None else None,
                    settings.stream_default_backlog if backlog is None else backlog,
                    settings.stream_poll_seconds)
    return EventSourceResponse(source, ping=settings.stream_ping_seconds,
                               headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/timeline/{application_id}", tags=["timeline"],
            summary="Every event of one application or placement, in order, with who acted "
                    "and the time between steps")
async def get_timeline(request: Request, application_id: Annotated[UUID, Path(
        description="An application id (or a placement id)")]) -> dict[str, Any]:
    pool = _runtime(request).pool
    events = await repo.journey_events(pool, application_id)
    if not events:
        owner = await repo.application_of_placement(pool, application_id)
        events = await repo.journey_events(pool, owner) if owner else []
        application_id = owner or application_id
    if not events:
        raise NotFound(f"no events for application or placement {application_id}",
                       "application_id")
    steps = timeline(events)
    return {"application_id": str(application_id),
            "scheme": next((e.scheme for e in events if e.scheme), None),
            "total_seconds": steps[-1].since_start_seconds,
            "steps": [{**s.__dict__, "occurred_at": s.occurred_at.isoformat()} for s in steps]}


@router.get("/kpis", tags=["kpis"], summary="Counts, time to confirmation, SLA breaches, fill "
            "rates and outcome ratings")
async def get_kpis(request: Request) -> dict[str, Any]:
    pool = _runtime(request).pool
    return kpis.compute_kpis(await repo.all_journey_events(pool),
                             await repo.opportunity_events(pool), datetime.now(UTC))


async def _open_data(request: Request) -> list[dict[str, Any]]:
    events = await repo.all_journey_events(_runtime(request).pool)
    return kpis.open_data(events, request.app.state.settings.open_data_min_cell)


@router.get("/open-data.json", tags=["open data"], summary="Anonymised counts by sector, "
            "region and scheme (counts under 5 are null)")
async def open_data_json(request: Request) -> dict[str, Any]:
    return {"generated_at": datetime.now(UTC).isoformat(),
            "suppression": f"counts under {request.app.state.settings.open_data_min_cell} "
                           "are null; groups with every count hidden are left out; no totals",
            "rows": await _open_data(request)}


@router.get("/open-data.csv", tags=["open data"], summary="The open-data export as CSV "
            "(suppressed cells are '[c]')")
async def open_data_csv(request: Request) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["sector", "region", "scheme", *kpis.OPEN_DATA_MEASURES])
    writer.writeheader()
    for row in await _open_data(request):
        writer.writerow({k: "[c]" if v is None else v for k, v in row.items()})
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="open-data.csv"'})


def dead_letter_view(row) -> dict[str, Any]:
    try:
        preview: Any = "<erased>" if row["erased_at"] else redact(json.loads(row["value"]))
    except (ValueError, TypeError):
        # Unparseable bytes may hold anything, personal data included: show only their size.
        preview = f"<{len(row['value'])} bytes, not JSON>"
    return {"id": row["id"], "topic": row["topic"], "partition": row["partition"],
            "offset": row["offset"], "original_topic": row["original_topic"],
            "original_partition": row["original_partition"],
            "original_offset": row["original_offset"], "consumer": row["consumer"],
            "reason": row["reason"], "error": row["error"], "attempts": row["attempts"],
            "failed_at": row["failed_at"] and row["failed_at"].isoformat(),
            "received_at": row["received_at"].isoformat(),
            "replayed_at": row["replayed_at"] and row["replayed_at"].isoformat(),
            "replayed_by": row["replayed_by"],
            "erased_at": row["erased_at"] and row["erased_at"].isoformat(), "value": preview}


@router.get("/dead-letters", tags=["dead letters"],
            summary="Dead letters, newest first, with reason and original position")
async def list_dead_letters(request: Request, include_replayed: bool = False,
                            limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
                            before: Annotated[int | None, Query(ge=1, le=MAX_BIGINT)] = None
                            ) -> dict[str, Any]:
    rows = await repo.dead_letters(_runtime(request).pool, include_replayed, limit, before)
    items = [dead_letter_view(r) for r in rows]
    return {"items": items, "next_before": items[-1]["id"] if len(items) == limit else None}


@router.post("/dead-letters/{dead_letter_id}/replay", tags=["dead letters"],
             summary="Publish a dead letter's original bytes to its original topic, once",
             responses={404: {"description": "no such dead letter"},
                        409: {"description": "already replayed"}})
async def replay_one(request: Request,
                     dead_letter_id: Annotated[int, Path(ge=1, le=MAX_BIGINT)], caller: WriterDep,
                     _: HrDep) -> dict[str, Any]:
    row = await request.app.state.runtime.state["replayer"].replay(dead_letter_id, caller.id)
    return dead_letter_view(row)


@router.post("/dead-letters/replay-all", tags=["dead letters"],
             summary="Replay every dead letter not yet replayed (up to limit), oldest first")
async def replay_all(request: Request, caller: WriterDep, _: HrDep,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> dict[str, Any]:
    done = await request.app.state.runtime.state["replayer"].replay_all(caller.id, limit)
    return {"replayed": len(done), "ids": done}
