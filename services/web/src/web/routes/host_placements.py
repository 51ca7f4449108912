"""A confirmed placement for its host: start it, extend it within the 12 months (approval
refuses beyond, and its words are shown), end it (early with a reason) with feedback. Approval
answers 404 for another organisation's placement, so that host sees the 404 page."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.domain import lines, read_date
from web.messages import Problem
from web.pages import Posted, posted, render, see_other
from web.routes.apply import uuid_or_404
from web.routes.host import host_user
from web.routes.host_form import humane_date
from web.routes.host_words import time_left

router = APIRouter()
OUTCOMES = {"completed": "It finished as planned", "ended_early": "It ended early"}
DONE = {"start": "started", "extend": "extended", "end": "ended"}
NOTICES = {"started": "The placement has started", "extended": "The end date has changed",
           "ended": "The placement has ended", "feedback": "Thank you for your feedback"}


async def placement_page(request: Request, user: dict, placement_id: str,
                         status_code: int = 200, problems: list[Problem] | None = None,
                         typed: Posted | None = None) -> Response:
    call = request.app.state.apis.call
    # Approval first and alone: another organisation's placement stops here (404 page).
    placement = await call(user, "approval", "GET", f"/placements/{uuid_or_404(placement_id)}")
    opp = await call(user, "matching", "GET", f"/opportunities/{placement['opportunity_id']}")
    left = time_left(date.fromisoformat(placement["start_date"]),
                     date.fromisoformat(placement["end_date"]))
    return render(request, "host_placement.html", status_code=status_code, problems=problems,
                  typed=typed, placement=placement, opp=opp, left=left, when=humane_date,
                  outcomes=OUTCOMES, notice=NOTICES.get(request.query_params.get("done", "")))


@router.get("/host/placements/{placement_id}")
async def placement(request: Request, placement_id: str) -> Response:
    return await placement_page(request, host_user(request), placement_id)


async def act(request: Request, placement_id: str, action: str,
              body: Any, problems: list[Problem], form: Posted) -> Response:
    """Send the action to approval; its refusal (the 12-month cap, a missing reason) is shown
    on the placement's page as a GOV.UK error."""
    user = host_user(request)
    placement_id = uuid_or_404(placement_id)
    problems = await request.app.state.apis.attempt(
        user, "approval", f"/placements/{placement_id}/{action}", body, problems)
    if problems is None:
        return see_other(f"/host/placements/{placement_id}?done={DONE[action]}")
    return await placement_page(request, user, placement_id, 422, problems, form)


@router.post("/host/placements/{placement_id}/start")
async def start(request: Request, placement_id: str) -> Response:
    form = await posted(request)
    return await act(request, placement_id, "start", None, form.too_long(), form)


@router.post("/host/placements/{placement_id}/extend")
async def extend(request: Request, placement_id: str) -> Response:
    form = await posted(request)
    new_end, bad = read_date(form, "new_end_date")
    problems = [bad] if bad else []
    body = {"new_end_date": new_end.isoformat()} if new_end else None
    return await act(request, placement_id, "extend", body, problems, form)


@router.post("/host/placements/{placement_id}/end")
async def end(request: Request, placement_id: str) -> Response:
    form = await posted(request)
    ended_on, bad = read_date(form, "ended_on")
    problems = form.too_long() + ([bad] if bad else [])
    outcome, reason, rating = form.get("outcome"), form.get("reason"), form.get("host_rating")
    if outcome not in OUTCOMES:
        problems.append(Problem("outcome", "Select how the placement ended"))
    elif outcome == "ended_early" and not reason:
        problems.append(Problem("reason", "Enter why the placement ended early"))
    if rating and rating not in ("1", "2", "3", "4", "5"):
        problems.append(Problem("host_rating", "Select a rating from 1 to 5"))
    body = {"outcome": outcome, "reason": reason or None,
            "ended_on": ended_on.isoformat() if ended_on else None,
            "host_rating": int(rating) if rating else None,
            "skills_gained": lines(form.get("skills_gained"))}
    return await act(request, placement_id, "end", body, problems, form)
