"""Central HR's matching rounds: the list, and one round's published report as tables, with
its JSON and CSV downloads (fetched here with the HR person's token, so no token ever reaches
the browser) and whether the monitor, rebuilding the report from events alone, agrees.
Anyone else sees 'Page not found' (matching's rounds are for central HR only)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound, ServiceDown, outcome
from web.pages import render, see_other
from web.routes.apply import uuid_or_404
from web.routes.hr import hr_user

router = APIRouter()
GROUPS = (("scheme", "Scheme"), ("sector", "Sector"), ("region", "Region"),
          ("country", "Country"))


@router.get("/hr/rounds")
async def rounds(request: Request) -> Response:
    user = hr_user(request)
    found = await request.app.state.apis.call(user, "matching", "GET", "/rounds",
                                              params={"limit": 100})
    return render(request, "hr_rounds.html", rounds=found)


@router.get("/hr/rounds/{round_id}")
async def round_page(request: Request, round_id: str) -> Response:
    user = hr_user(request)
    path = f"/rounds/{uuid_or_404(round_id)}"
    call = request.app.state.apis.call
    found = await call(user, "matching", "GET", path)
    report = rebuilt = None
    if found["status"] == "matched":
        report = await call(user, "matching", "GET", path + "/report")
        rebuilt = await _monitor_view(request, user, path + "/report", report)
    return render(request, "hr_round.html", round=found, report=report, rebuilt=rebuilt,
                  groups=GROUPS)


async def _monitor_view(request: Request, user: dict[str, Any], path: str,
                        report: dict[str, Any]) -> str:
    """'agrees', 'differs' or 'pending' (its events are still arriving, or it is away)."""
    try:
        theirs = await request.app.state.apis.call(user, "monitor", "GET", path)
    except (ApiProblem, PageNotFound, ServiceDown):
        return "pending"
    return "agrees" if theirs == report else "differs"


@router.get("/hr/rounds/{round_id}/report.{kind}")
async def download(request: Request, round_id: str, kind: str) -> Response:
    user = hr_user(request)
    if kind not in ("json", "csv"):
        raise PageNotFound()
    rid = uuid_or_404(round_id)
    apis = request.app.state.apis
    try:
        answer = await apis.http.get(f"{apis.bases['matching']}/rounds/{rid}/report.csv"
                                     if kind == "csv" else
                                     f"{apis.bases['matching']}/rounds/{rid}/report",
                                     headers={"Authorization": f"Bearer {user['access_token']}"})
    except httpx.HTTPError as exc:
        raise ServiceDown(f"matching: {type(exc).__name__}") from None
    if answer.status_code != 200:
        try:
            outcome("matching", answer)  # raises: sign in again, not found, down...
        except ApiProblem:  # not run yet: its page says when it will
            return see_other(f"/hr/rounds/{rid}")
    body = answer.content if kind == "csv" else json.dumps(answer.json(), indent=2).encode()
    media = "text/csv; charset=utf-8" if kind == "csv" else "application/json"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="round-{rid}.{kind}"'})
