"""Open data for everyone, no sign-in: the latest quarterly release of placements as tables
and a bar chart made of HTML (no script), the files to download, and every past release.
Everything comes from the monitor's public open-data routes; the files are relayed as
released, so every link stays on this site."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from web.apis import PageNotFound, ServiceDown
from web.pages import render

router = APIRouter()
PERIOD = re.compile(r"^2[0-9]{3}-Q[1-4]$")
FILES = {"datapackage.json": "application/json", "placements.json": "application/json",
         "placements.csv": "text/csv; charset=utf-8",
         "placements-itl1.csv": "text/csv; charset=utf-8"}


async def monitor(request: Request, path: str) -> httpx.Response:
    apis = request.app.state.apis
    try:
        response = await apis.http.get(apis.bases["monitor"] + path)
    except httpx.HTTPError as exc:
        raise ServiceDown(f"monitor: {type(exc).__name__}") from None
    if response.status_code in (404, 422):
        raise PageNotFound()
    if response.status_code != 200:
        raise ServiceDown(f"monitor: HTTP {response.status_code}")
    return response


def figures(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Sums of published figures by `keys`, largest first, with each one's share of the
    largest for the chart (sums of published figures reveal nothing the rows do not)."""
    sums: Counter[tuple] = Counter()
    for r in rows:
        sums[tuple(r[k] for k in keys)] += int(r["placements"])
    top = max(sums.values(), default=0)
    return [{**dict(zip(keys, key, strict=True)), "placements": n, "max": top}
            for key, n in sorted(sums.items(), key=lambda kv: (-kv[1], kv[0]))]


async def release_page(request: Request, period: str | None) -> Response:
    listing = (await monitor(request, "/open-data/releases")).json()
    releases = listing["items"]
    chosen = next((r for r in releases if period in (None, r["period"])), None)
    if period is not None and chosen is None:
        raise PageNotFound()
    context: dict[str, Any] = {"releases": releases, "release": chosen,
                               "next_release": listing["next_release"]}
    if chosen:
        base = f"/open-data/releases/{chosen['period']}/"
        table = json.loads((await monitor(request, base + "placements.json")).text)
        rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
        itl1 = list(csv.DictReader(io.StringIO(
            (await monitor(request, base + "placements-itl1.csv")).text)))
        context |= {"rows": rows, "uk": [r for r in rows if r["area_type"] != "country"],
                    "abroad": [r for r in rows if r["area_type"] == "country"],
                    "by_region": figures(itl1, "itl1_name"),
                    "by_scheme": figures(rows, "scheme", "sector")}
    return render(request, "open_data.html", **context)


@router.get("/open-data")
async def latest(request: Request) -> Response:
    return await release_page(request, None)


@router.get("/open-data/{period}")
async def past(request: Request, period: str) -> Response:
    if not PERIOD.match(period):
        raise PageNotFound()
    return await release_page(request, period)


@router.get("/open-data/releases/{period}/{name}")
async def download(request: Request, period: str, name: str) -> Response:
    if not PERIOD.match(period) or name not in FILES:
        raise PageNotFound()
    upstream = await monitor(request, f"/open-data/releases/{period}/{name}")
    return Response(upstream.content, media_type=FILES[name], headers={
        "Cache-Control": "public, max-age=86400",
        "Content-Disposition": f'inline; filename="bps-{period}-{name}"'})
