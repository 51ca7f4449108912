"""HR: a home page; the monitor (latest events, figures, timelines, dead letters and their
replay) rendered here from the monitor's API with the HR person's own token, its live stream
relayed for the page's script; an application's stages and reassigning one to another
approver. Anyone without the hr role, or HR an API refuses (departmental HR on the monitor,
or on another department's stages), sees 'Page not found'."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from web import monitor_feed
from web.apis import ApiProblem, PageNotFound
from web.messages import Problem
from web.pages import Posted, one_thing_page, posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404
from web.routes.approver import STAGE_STATUS, STAGE_TITLES, already_closed, is_central_hr

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
    user = hr_user(request)
    return render(request, "hr_home.html", person=user, central=is_central_hr(user))


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
    return await one_thing_page(request, hr_user(request), "hr_timeline.html", "timeline",
                                "monitor", f"/timeline/{uuid_or_404(application_id)}")


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


# --- an application's stages, and reassigning one -------------------------------------------

@router.get("/hr/applications")
async def find_application(request: Request, reference: str = "") -> Response:
    """HR home's 'find an application' form: straight to its stages."""
    user = hr_user(request)
    try:
        return see_other(f"/hr/applications/{uuid.UUID(reference.strip())}/stages")
    except ValueError:
        problem = Problem("reference", "Enter the application reference, a code of 32 "
                                       "letters and numbers with 4 dashes")
        return render(request, "hr_home.html", status_code=422, problems=[problem],
                      person=user, central=is_central_hr(user), values={"reference": reference})


@router.get("/hr/applications/{application_id}/stages")
async def application_stages(request: Request, application_id: str) -> Response:
    user = hr_user(request)
    application_id = uuid_or_404(application_id)
    stages = await request.app.state.apis.call(
        user, "approval", "GET", f"/applications/{application_id}/stages")
    return render(request, "hr_stages.html", application_id=application_id, stages=stages,
                  titles=STAGE_TITLES, statuses=STAGE_STATUS,
                  reassigned=request.query_params.get("reassigned"))


async def reassign_page(request: Request, user: dict[str, Any], stage_id: str,
                        status_code: int = 200, problems: list[Problem] | None = None,
                        typed: Posted | None = None) -> Response:
    stage = await request.app.state.apis.call(user, "approval", "GET", f"/stages/{stage_id}")
    return render(request, "hr_reassign.html", status_code=status_code, problems=problems,
                  typed=typed, stage=stage, title=STAGE_TITLES.get(stage["stage"],
                                                                   stage["stage"]))


@router.get("/hr/stages/{stage_id}/reassign")
async def reassign_form(request: Request, stage_id: str) -> Response:
    return await reassign_page(request, hr_user(request), uuid_or_404(stage_id))


@router.post("/hr/stages/{stage_id}/reassign")
async def reassign(request: Request, stage_id: str) -> Response:
    form = await posted(request)
    user = hr_user(request)
    stage_id = uuid_or_404(stage_id)
    problems = form.too_long()
    if not form.get("approver_id"):
        problems.append(Problem("approver_id", "Enter the user ID of the new approver"))
    if not form.get("reason"):
        problems.append(Problem("reason", "Enter why you are reassigning this stage"))
    if not problems:
        try:
            moved = await request.app.state.apis.call(
                user, "approval", "POST", f"/stages/{stage_id}/reassign",
                json={"approver_id": form.get("approver_id"), "reason": form.get("reason")})
            return see_other(f"/hr/applications/{moved['application_id']}/stages"
                             f"?reassigned={stage_id}")
        except ApiProblem as exc:
            if exc.status == 409:  # decided, withdrawn or expired meanwhile
                return already_closed(request, stage_id, exc.problems)
            problems = exc.problems
    return await reassign_page(request, user, stage_id, 422, problems, form)
