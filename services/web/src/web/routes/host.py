"""Hosts: their organisation's opportunities (list, publish with check answers, view, edit,
close). Every page calls the matching API with the host's own token, so another organisation's
opportunity is the API's 404 and so the 404 page here. Candidates and placements:
host_candidates.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts import Clearance, Scheme, Sector, UKRegion
from web.apis import ApiProblem
from web.pages import acting_for, list_page, posted, render, see_other, session_of
from web.routes.apply import uuid_or_404
from web.routes.host_form import as_values, editable, humane_date, read_opportunity, relabel
from web.routes.start import SCHEMES

router = APIRouter()
SME_STAFF_LIMIT = 250  # words for the hint; matching enforces the rule and says so
CHOICES = {"schemes": {s.value: SCHEMES[s.value]["title"] for s in Scheme},
           "sectors": [s.value for s in Sector], "regions": [r.value for r in UKRegion],
           "clearances": [c.value for c in Clearance], "sme_limit": SME_STAFF_LIMIT}


def host_user(request: Request) -> dict[str, Any]:
    """A host acting for an organisation; anyone else sees 'Page not found'."""
    return acting_for(request, "host")


async def own_opportunity(request: Request, user: dict, opportunity_id: str) -> dict:
    return await request.app.state.apis.call(
        user, "matching", "GET", f"/opportunities/{uuid_or_404(opportunity_id)}")


@router.get("/host")
async def host_home(request: Request) -> Response:
    user = host_user(request)
    return await list_page(request, user, "host_home.html", "opportunities", "matching",
                           "/opportunities", person=user)


def draft_of(request: Request) -> dict[str, Any]:
    return session_of(request).draft("host-new")


def form_page(request: Request, action: str, values: dict, problems=None, typed=None,
              opp: dict | None = None, status_code: int = 200) -> Response:
    return render(request, "host_opportunity_form.html", status_code=status_code,
                  problems=relabel(problems or []), typed=typed, values=values,
                  action=action, opp=opp, **CHOICES)


@router.get("/host/opportunities/new")
async def new(request: Request) -> Response:
    host_user(request)
    draft = draft_of(request)
    if draft.get("done"):  # a fresh start after a published one
        draft.clear()
    values = as_values(draft.get("body") or {"country": "GB"})
    return form_page(request, "/host/opportunities/new", values)


@router.post("/host/opportunities/new")
async def save_new(request: Request) -> Response:
    form = await posted(request)
    host_user(request)
    body, problems = read_opportunity(form, editing=False)
    if problems:
        return form_page(request, "/host/opportunities/new", {}, problems, form,
                         status_code=422)
    draft = draft_of(request)
    draft.pop("done", None)
    draft["body"] = body
    return see_other("/host/opportunities/new/check")


def check_page(request: Request, body: dict, problems=None, status_code: int = 200
               ) -> Response:
    return render(request, "host_opportunity_check.html", status_code=status_code,
                  problems=problems, body=body, when=humane_date, **CHOICES)


@router.get("/host/opportunities/new/check")
async def check(request: Request) -> Response:
    host_user(request)
    draft = draft_of(request)
    if draft.get("done"):
        return see_other(f"/host/opportunities/{draft['done']}/published")
    if "body" not in draft:
        return see_other("/host/opportunities/new")
    return check_page(request, draft["body"])


@router.post("/host/opportunities/new/check")
async def publish(request: Request) -> Response:
    await posted(request)
    user = host_user(request)
    draft = draft_of(request)
    if draft.get("done"):  # a double click or the back button: the same opportunity
        return see_other(f"/host/opportunities/{draft['done']}/published")
    if "body" not in draft:
        return see_other("/host/opportunities/new")
    try:
        made = await request.app.state.apis.call(user, "matching", "POST", "/opportunities",
                                                 json=draft["body"])
    except ApiProblem as exc:  # a broken rule (250 staff, dates): back on the form, marked
        return form_page(request, "/host/opportunities/new", as_values(draft["body"]),
                         exc.problems, status_code=422)
    draft["done"] = made["opportunity_id"]
    return see_other(f"/host/opportunities/{made['opportunity_id']}/published")


@router.get("/host/opportunities/{opportunity_id}/published")
async def published(request: Request, opportunity_id: str) -> Response:
    return await own_opportunity_page(request, opportunity_id, "host_published.html")


@router.get("/host/opportunities/{opportunity_id}")
async def opportunity(request: Request, opportunity_id: str) -> Response:
    user = host_user(request)
    apis = request.app.state.apis
    # Fetched first and alone: another organisation's opportunity stops here (404).
    opp = await own_opportunity(request, user, opportunity_id)
    candidates = await apis.call(user, "matching", "GET",
                                 f"/opportunities/{opp['opportunity_id']}/candidates",
                                 params={"limit": 50})
    q = request.query_params
    return render(request, "host_opportunity.html", opp=opp, candidates=candidates,
                  when=humane_date, notice=q.get("notice"), **CHOICES)


@router.get("/host/opportunities/{opportunity_id}/edit")
async def edit(request: Request, opportunity_id: str) -> Response:
    user = host_user(request)
    opp = await own_opportunity(request, user, opportunity_id)
    return form_page(request, f"/host/opportunities/{opp['opportunity_id']}/edit",
                     as_values({**opp["data"], "capacity": opp["capacity"]}), opp=opp)


@router.post("/host/opportunities/{opportunity_id}/edit")
async def save_edit(request: Request, opportunity_id: str) -> Response:
    form = await posted(request)
    user = host_user(request)
    opp = await own_opportunity(request, user, opportunity_id)
    action = f"/host/opportunities/{opp['opportunity_id']}/edit"
    body, problems = read_opportunity(form, editing=True)
    if not problems:
        try:
            await request.app.state.apis.call(
                user, "matching", "PATCH", f"/opportunities/{opp['opportunity_id']}",
                json=editable(body))
            return see_other(f"/host/opportunities/{opp['opportunity_id']}?notice=saved")
        except ApiProblem as exc:  # a rule, or candidates proposed already (409)
            problems = exc.problems
    return form_page(request, action, {}, problems, form, opp=opp, status_code=422)


@router.get("/host/opportunities/{opportunity_id}/close")
async def close_confirm(request: Request, opportunity_id: str) -> Response:
    return await own_opportunity_page(request, opportunity_id, "host_close.html")


async def own_opportunity_page(request: Request, opportunity_id: str, template: str) -> Response:
    """A page that shows one of the host's own opportunities and nothing else."""
    return render(request, template,
                  opp=await own_opportunity(request, host_user(request), opportunity_id))


@router.post("/host/opportunities/{opportunity_id}/close")
async def close(request: Request, opportunity_id: str) -> Response:
    form = await posted(request)
    user = host_user(request)
    opp = await own_opportunity(request, user, opportunity_id)
    problems = form.too_long()
    if not problems:
        try:
            await request.app.state.apis.call(
                user, "matching", "POST", f"/opportunities/{opp['opportunity_id']}/close",
                json={"reason": form.get("reason") or None})
            return see_other(f"/host/opportunities/{opp['opportunity_id']}?notice=closed")
        except ApiProblem as exc:
            problems = exc.problems
    return render(request, "host_close.html", status_code=422, problems=problems, opp=opp,
                  typed=form)
