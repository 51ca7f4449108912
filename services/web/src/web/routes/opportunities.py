"""Find a placement: published opportunities filtered by scheme, sector, place and dates."""

from __future__ import annotations

import math
import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts import Scheme, Sector, UKRegion
from web.apis import ApiProblem, PageNotFound
from web.domain import read_date
from web.pages import Posted, render, signed_in

router = APIRouter()
PAGE_SIZE = 10
FILTERS = ("scheme", "sector", "region", "country")


def pagination(page: int, pages: int, query: dict[str, str]) -> dict:
    def href(n: int) -> str:
        return "/opportunities?" + urlencode({**query, "page": n})
    items = [{"number": n, "href": href(n), "current": n == page}
             for n in range(max(1, page - 2), min(pages, page + 2) + 1)]
    return {"items": items,
            "previous": {"href": href(page - 1)} if page > 1 else None,
            "next": {"href": href(page + 1)} if page < pages else None}


@router.get("/opportunities")
async def search(request: Request) -> Response:
    user = signed_in(request)
    form = Posted(list(request.query_params.multi_items()))
    problems = form.too_long()
    after, bad_after = read_date(form, "starts_after", required=False)
    before, bad_before = read_date(form, "starts_before", required=False)
    problems += [p for p in (bad_after, bad_before) if p]
    page = int(form.get("page")) if form.get("page").isdigit() else 1
    page = max(1, min(page, 1000))
    query = {k: form.get(k) for k in FILTERS if form.get(k)}
    for name in ("starts_after", "starts_before"):
        query.update({f"{name}-{p}": form.get(f"{name}-{p}") for p in ("day", "month", "year")
                      if form.get(f"{name}-{p}")})
    found = {"items": [], "total": 0}
    if not problems:
        params = {k: form.get(k) for k in FILTERS} | {
            "starts_after": after.isoformat() if after else None,
            "starts_before": before.isoformat() if before else None,
            "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
        try:
            found = await request.app.state.apis.call(
                user, "matching", "GET", "/published-opportunities", params=params)
        except ApiProblem as exc:
            problems = exc.problems
    pages = max(1, math.ceil(found["total"] / PAGE_SIZE))
    return render(request, "opportunities.html", status_code=422 if problems else 200,
                  problems=problems, form=form, typed=form, found=found, page=page,
                  pagination=pagination(page, pages, query) if pages > 1 else None,
                  schemes=[s.value for s in Scheme], sectors=[s.value for s in Sector],
                  regions=[r.value for r in UKRegion])


@router.get("/opportunities/{opportunity_id}")
async def opportunity(request: Request, opportunity_id: str) -> Response:
    user = signed_in(request)
    try:
        uuid.UUID(opportunity_id)
    except ValueError:
        raise PageNotFound() from None
    found = await request.app.state.apis.call(
        user, "matching", "GET", f"/published-opportunities/{opportunity_id}")
    return render(request, "opportunity.html", opp=found, fields=found["fields"])
