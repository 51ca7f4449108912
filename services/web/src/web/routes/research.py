"""Evaluators (e.g. the Industrial Strategy Council's analysts): what a research extract holds
and the rule that hides small groups, a form to request one, each extract's files to
download; and, for central HR, the log of every extract. Everything comes from the monitor's
research routes with the person's own token; anyone else sees 'Page not found'."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound, ServiceDown, outcome
from web.messages import Problem
from web.pages import Posted, posted, render, see_other, signed_in
from web.routes.approver import is_central_hr

router = APIRouter()
SCHEMES = ("industry", "government", "diplomatic")
FILES = ("applications.csv", "placements.csv", "comparison_group.csv", "outcomes.csv",
         "dictionary.csv")


def evaluator(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    if "evaluator" not in user["roles"]:
        raise PageNotFound()
    return user


def extract_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PageNotFound() from None


async def home(request: Request, user: dict[str, Any], status_code: int = 200,
               problems: list[Problem] | None = None, typed: Posted | None = None) -> Response:
    mine = await request.app.state.apis.call(user, "monitor", "GET", "/research/extracts")
    return render(request, "research_home.html", status_code=status_code, problems=problems,
                  typed=typed, extracts=mine["items"], schemes=SCHEMES,
                  values={"schemes": list(SCHEMES)})


@router.get("/research")
async def research(request: Request) -> Response:
    return await home(request, evaluator(request))


def request_problems(form: Posted) -> list[Problem]:
    """What the form lacks, said before the monitor is asked."""
    return [*form.too_long(), *(
        [Problem("purpose", "Enter what the extract is for, in a few words")]
        if len(form.get("purpose")) < 3 else []), *(
        [] if form.all("schemes") else [Problem("schemes", "Select at least one scheme")])]


@router.post("/research/extracts")
async def request_extract(request: Request) -> Response:
    form = await posted(request)
    user = evaluator(request)
    problems = request_problems(form)
    if not problems:
        try:
            made = await request.app.state.apis.call(
                user, "monitor", "POST", "/research/extracts",
                json={"purpose": form.get("purpose"), "schemes": form.all("schemes")})
            return see_other(f"/research/extracts/{made['id']}")
        except ApiProblem as exc:
            problems = exc.problems
    return await home(request, user, 422, problems, form)


@router.get("/research/extracts/{extract}")
async def one_extract(request: Request, extract: str) -> Response:
    user = evaluator(request)
    found = await request.app.state.apis.call(user, "monitor", "GET",
                                              f"/research/extracts/{extract_id(extract)}")
    return render(request, "research_extract.html", extract=found, files=FILES)


@router.get("/research/extracts/{extract}/{name}")
async def download(request: Request, extract: str, name: str) -> Response:
    user = evaluator(request)
    if name not in FILES:
        raise PageNotFound()
    apis = request.app.state.apis
    try:
        upstream = await apis.http.get(
            f"{apis.bases['monitor']}/research/extracts/{extract_id(extract)}/{name}",
            headers={"Authorization": f"Bearer {user['access_token']}"})
    except httpx.HTTPError as exc:
        raise ServiceDown(f"monitor: {type(exc).__name__}") from None
    if upstream.status_code != 200:
        outcome("monitor", upstream)  # 404 (not theirs, expired), sign-in, or unavailable
        raise ServiceDown(f"monitor: HTTP {upstream.status_code}")
    return Response(upstream.content, media_type="text/csv; charset=utf-8", headers={
        "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="extract-{extract}-{name}"'})


@router.get("/hr/research-extracts")
async def extract_log(request: Request) -> Response:
    user = signed_in(request)
    if not is_central_hr(user):
        raise PageNotFound()
    log = await request.app.state.apis.call(user, "monitor", "GET", "/research/extract-log")
    return render(request, "hr_extract_log.html", extracts=log["items"])
