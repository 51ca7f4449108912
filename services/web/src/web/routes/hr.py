"""Central HR: a home page and the monitor (latest events, figures, timelines, dead letters
and their replay) rendered here from the monitor's API with the HR person's own token; the
live stream is relayed for the page's script. Anyone without the hr role, or HR the monitor
refuses (departmental HR), sees 'Page not found'."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from web import monitor_feed
from web.apis import ApiProblem, PageNotFound
from web.messages import Problem
from web.pages import posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404

router = APIRouter()
RECENT_EVENTS = 25
MAX_DEAD_LETTER_ID = 2**63 - 1


def hr_user(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    if "hr" not in user["roles"]:
        raise PageNotFound()
    return user


@router.get("/hr")
async def hr_home(request: Request) -> Response:
    return render(request, "hr_home.html", person=hr_user(request))


async def monitor_page(request: Request, user: dict[str, Any], status_code: int = 200,
                       problems: list[Problem] | None = None, **notes: Any) -> Response:
    apis = request.app.state.apis
    call = apis.call
    # The figures first: a 403 (departmental HR) stops here, before any stream is opened.
    kpis = await call(user, "monitor", "GET", "/kpis")
    meta = await call(user, "monitor", "GET", "/meta")
    dead = await call(user, "monitor", "GET", "/dead-letters", params={"limit": 100})
    filters = monitor_feed.stream_params(request.query_params)
    try:
        events = await monitor_feed.recent_events(apis, user, filters, RECENT_EVENTS)
    except ApiProblem as exc:  # a filter the monitor refuses (an unknown type, a bad id)
        events, problems, status_code = [], [*(problems or []), *exc.problems], 400
    last_seq = max((e["seq"] for e in events), default=None)
    stream = monitor_feed.stream_params(request.query_params, last_event_id=last_seq,
                                        backlog=0 if last_seq is None else None)
    return render(request, "hr_monitor.html", status_code=status_code, problems=problems,
                  kpis=kpis, meta=meta, dead=dead["items"], events=events,
                  filters=filters, stream_query=stream, **notes)


@router.get("/hr/monitor")
async def monitor(request: Request) -> Response:
    q = request.query_params
    return await monitor_page(request, hr_user(request), replayed=q.get("replayed"),
                              replayed_all=q.get("replayed_all"))


@router.get("/hr/monitor/stream")
async def stream(request: Request) -> Response:
    """The live stream for the page's EventSource (same origin, the session cookie): resumes
    from the browser's Last-Event-ID, or the last_event_id the page was rendered with."""
    user = hr_user(request)
    params = monitor_feed.stream_params(request.query_params)
    given = request.query_params.get("last_event_id")
    if given:
        params["last_event_id"] = given
    backlog = request.query_params.get("backlog")
    if backlog:
        params["backlog"] = backlog
    try:
        upstream = await monitor_feed.open_stream(request.app.state.apis, user, params,
                                                  request.headers.get("last-event-id"))
    except ApiProblem as exc:
        return PlainTextResponse("; ".join(p.message for p in exc.problems), status_code=400)
    return StreamingResponse(monitor_feed.relay(upstream), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})


@router.get("/hr/monitor/timeline/{application_id}")
async def timeline(request: Request, application_id: str) -> Response:
    user = hr_user(request)
    found = await request.app.state.apis.call(
        user, "monitor", "GET", f"/timeline/{uuid_or_404(application_id)}")
    return render(request, "hr_timeline.html", timeline=found)


@router.post("/hr/monitor/dead-letters/{dead_letter_id}/replay")
async def replay(request: Request, dead_letter_id: str) -> Response:
    await posted(request)
    user = hr_user(request)
    if not dead_letter_id.isdigit() or not 0 < int(dead_letter_id) <= MAX_DEAD_LETTER_ID:
        raise PageNotFound()
    try:
        await request.app.state.apis.call(user, "monitor", "POST",
                                          f"/dead-letters/{dead_letter_id}/replay")
    except ApiProblem as exc:  # replayed meanwhile by someone else, say
        return await monitor_page(request, user, 409, exc.problems)
    return see_other(f"/hr/monitor?replayed={dead_letter_id}#dead-letters")


@router.post("/hr/monitor/dead-letters/replay-all")
async def replay_all(request: Request) -> Response:
    await posted(request)
    user = hr_user(request)
    done = await request.app.state.apis.call(user, "monitor", "POST",
                                             "/dead-letters/replay-all")
    return see_other(f"/hr/monitor?replayed_all={done['replayed']}#dead-letters")
