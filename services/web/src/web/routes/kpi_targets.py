"""Central HR's KPI targets: each regional and outcome KPI by quarter against its target, met
or not, as tables (no script), and a form to set a target from a quarter on. Rendered from
the monitor's /kpi-targets routes with the person's own token; anyone else sees 'Page not
found'."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import ApiProblem, PageNotFound
from web.messages import Problem
from web.pages import Posted, posted, render, see_other, signed_in
from web.routes.approver import is_central_hr

router = APIRouter()
PERIOD = re.compile(r"^2[0-9]{3}-Q[1-4]$")
UNITS = {"percent": "%", "rating": " out of 5", "days": " days"}


def central_hr(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    if not is_central_hr(user):
        raise PageNotFound()
    return user


def quarters_around(today: date, back: int = 4, ahead: int = 4) -> list[str]:
    """The quarters a target may start from in the form: a year either side of this one."""
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - back, index + ahead + 1)]


async def targets_page(request: Request, user: dict[str, Any], status_code: int = 200,
                       problems: list[Problem] | None = None, typed: Posted | None = None
                       ) -> Response:
    q = request.query_params
    params = {k: q[k] for k in ("from_period", "to_period") if PERIOD.match(q.get(k, ""))}
    call = request.app.state.apis.call
    try:
        series = await call(user, "monitor", "GET", "/kpi-targets/series", params=params)
    except ApiProblem as exc:  # a range the monitor refuses (backwards, too long)
        problems, status_code = [*(problems or []), *exc.problems], 400
        series = await call(user, "monitor", "GET", "/kpi-targets/series")
    catalogue = await call(user, "monitor", "GET", "/kpi-targets")
    return render(request, "hr_kpi_targets.html", status_code=status_code, problems=problems,
                  typed=typed, series=series, catalogue=catalogue, units=UNITS,
                  kpi_choices=[(k["id"], k["label"]) for k in catalogue["kpis"]],
                  quarters=quarters_around(date.fromtimestamp(request.app.state.clock())),
                  set_target=q.get("set"))


@router.get("/hr/kpi-targets")
async def kpi_targets(request: Request) -> Response:
    return await targets_page(request, central_hr(request))


def target_body(form: Posted) -> tuple[dict[str, Any], list[Problem]]:
    """The monitor's request from the form, and what the form lacks (said before asking)."""
    problems = form.too_long()
    try:
        target = float(form.get("target"))
    except ValueError:
        target = math.nan
    if not math.isfinite(target):
        problems.append(Problem("target", "Enter the target as a number, like 40"))
    if not form.get("kpi"):
        problems.append(Problem("kpi", "Select the KPI"))
    return {"kpi": form.get("kpi"), "target": target, "from_period": form.get("from_period"),
            "region": form.get("region") or None}, problems


@router.post("/hr/kpi-targets")
async def set_target(request: Request) -> Response:
    form = await posted(request)
    body, problems = target_body(form)
    user = central_hr(request)
    if not problems:
        try:
            await request.app.state.apis.call(user, "monitor", "POST", "/kpi-targets",
                                              json=body)
            return see_other(f"/hr/kpi-targets?set={body['kpi']}#kpi-{body['kpi']}")
        except ApiProblem as exc:
            problems = exc.problems
    return await targets_page(request, user, 422, problems, form)
