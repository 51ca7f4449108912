"""An applicant's ranking: the opportunities they want, most wanted first (matching's rank
order list of their application). 'Add to my ranking' on an opportunity's page; on 'My
ranking', move one up or down, or remove it: every change is a plain form, so it works without
JavaScript. Matching's refusals (a closed opportunity, one ranked twice, over the limit: 422;
after the ranking deadline: 409) are said in words, naming the opportunity by its title."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound
from web.dates import long_datetime
from web.messages import Problem
from web.pages import posted, render, see_other, signed_in
from web.routes.apply import uuid_or_404

router = APIRouter()
ENDED = {"withdrawn", "rejected", "ended"}
_OPPORTUNITY = re.compile(r"[Oo]pportunity ([0-9a-f-]{36})")
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?")
_ROUND = re.compile(r"^(\w+) for round [0-9a-f-]{36} ")


def ranking_path(application_id: str) -> str:
    return f"/applications/{application_id}/ranking"


CLOSED = "A placement you ranked that has closed"


async def titled(request: Request, user: dict, ids: list[str]) -> dict[str, str | None]:
    """Each ranked opportunity's title; None for one no longer open (matching publishes only
    open ones)."""
    titles: dict[str, str | None] = {}
    for opportunity_id in ids:
        try:
            found = await request.app.state.apis.call(
                user, "matching", "GET", f"/published-opportunities/{opportunity_id}")
            titles[opportunity_id] = found["fields"]["title"]
        except PageNotFound:
            titles[opportunity_id] = None
    return titles


def in_words(problem: Problem, titles: dict[str, str | None]) -> Problem:
    """Matching names opportunities by id and times in ISO: the person reads titles and
    dates. Every problem is about the list, so each links to it."""
    def title(found: re.Match) -> str:
        known = titles.get(found.group(1))
        return f"“{known}”" if known else "A placement you ranked"

    text = _OPPORTUNITY.sub(title, problem.message)
    text = _MOMENT.sub(lambda m: long_datetime(m.group(0)), _ROUND.sub(r"\1 ", text))
    if text.endswith(" is closed"):
        text += ": remove it to change the rest of your ranking"
    return Problem("ranking", text[:1].upper() + text[1:])


async def ranking_page(request: Request, user: dict, application_id: str,
                       status_code: int = 200, problems: list[Problem] | None = None,
                       **notes: Any) -> Response:
    apis = request.app.state.apis
    # The applicant service says whose it is (404 for anyone else's) before matching is asked.
    app = await apis.call(user, "applicant", "GET", f"/applications/{application_id}")
    ranking = await ranking_of(request, user, application_id)
    ids = [str(i) for i in ranking["opportunity_ids"]]
    titles = await titled(request, user, ids + notes.pop("also", []))
    return render(request, "ranking.html", status_code=status_code, app=app, ranking=ranking,
                  pending=ranking is PENDING,
                  entries=[(i, titles[i] or CLOSED) for i in ids],
                  problems=[in_words(p, titles) for p in problems or []], **notes)


async def put_ranking(request: Request, user: dict, application_id: str, ids: list[str],
                      then: str, also: list[str] | None = None) -> Response:
    """Send the whole new list; back to the page, or the page with matching's refusal."""
    try:
        await request.app.state.apis.call(user, "matching", "PUT", ranking_path(application_id),
                                          json={"opportunity_ids": ids})
    except ApiProblem as exc:
        return await ranking_page(request, user, application_id, exc.status, exc.problems,
                                  also=also or [])
    return see_other(f"{ranking_path(application_id)}?{then}")


# Matching learns of an application from its event, a moment after it is sent: until then it
# has no list for it (404), and the page says so rather than 'Page not found'.
PENDING: dict[str, Any] = {"opportunity_ids": [], "limit": None, "ranking_deadline": None}


async def ranking_of(request: Request, user: dict, application_id: str) -> dict[str, Any]:
    try:
        return await request.app.state.apis.call(user, "matching", "GET",
                                                 ranking_path(application_id))
    except PageNotFound:
        return PENDING


async def current(request: Request, user: dict, application_id: str) -> list[str] | None:
    """The list as matching has it; None while matching does not know the application."""
    ranking = await ranking_of(request, user, application_id)
    return None if ranking is PENDING else [str(i) for i in ranking["opportunity_ids"]]


@router.get("/applications/{application_id}/ranking")
async def my_ranking(request: Request, application_id: str) -> Response:
    q = request.query_params
    return await ranking_page(request, signed_in(request), str(uuid_or_404(application_id)),
                              added=q.get("added"), moved=q.get("moved"),
                              removed=q.get("removed"))


@router.post("/applications/{application_id}/ranking/change")
async def change(request: Request, application_id: str) -> Response:
    """One button's change: move an opportunity up or down, or remove it."""
    form = await posted(request)
    user = signed_in(request)
    application_id = str(uuid_or_404(application_id))
    ids = await current(request, user, application_id) or []
    target, action = form.get("opportunity_id"), form.get("action")
    if target not in ids or action not in ("up", "down", "remove"):
        return await ranking_page(request, user, application_id, 422, [Problem(
            "ranking", "That opportunity is not in your ranking any more: here it is now")])
    at = ids.index(target)
    if action == "remove":
        ids.pop(at)
        return await put_ranking(request, user, application_id, ids, "removed=1", [target])
    other = at - 1 if action == "up" else at + 1
    if 0 <= other < len(ids):
        ids[at], ids[other] = ids[other], ids[at]
    return await put_ranking(request, user, application_id, ids, f"moved={other + 1}")


@router.post("/opportunities/{opportunity_id}/rank")
async def add(request: Request, opportunity_id: str) -> Response:
    """'Add to my ranking': at the end of the list of the live application of its scheme."""
    form = await posted(request)
    user = signed_in(request)
    opportunity_id = str(uuid_or_404(opportunity_id))
    apps = await request.app.state.apis.call(user, "applicant", "GET", "/applications",
                                             params={"limit": 50})
    live = [a for a in apps["items"]
            if a["scheme"] == form.get("scheme") and a["status"] not in ENDED]
    if not live:
        return see_other(f"/apply/{form.get('scheme') or 'industry'}"
                         f"?opportunity={opportunity_id}")
    application_id = str(live[0]["id"])
    ids = await current(request, user, application_id)
    if ids is None:  # not yet known to matching: the page says so
        return see_other(ranking_path(application_id))
    if opportunity_id in ids:
        return see_other(f"{ranking_path(application_id)}?added=again")
    return await put_ranking(request, user, application_id, [*ids, opportunity_id],
                             "added=1", [opportunity_id])
