"""The web service's pages under load: server time per page (p50/p99) for the opportunity
search page and the application page, 32 signed-in users at once, against the bare Jinja
render of the same template with the same data on the same server in the same run (the ratio
is the figure: what the sessions, the API calls and the middleware add to the render).

The five services run as real processes (tests.e2e.system) with dev tokens; the web runs as
tests.perf.web_server (the real app, sessions made up front, server-side timing); load comes
from tests.perf.loadgen in its own process, closed loop over 32 keep-alive connections.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from testkit.harness.process import ServiceProcess

from testkit import Api, Caller
from tests.e2e.system import start_system, stop_system
from tests.perf.core import Context, Metric, bench
from tests.perf.intake import CONCURRENCY, free_port, load
from tests.perf.journeys import BENCH_ENV
from tests.perf.latency import histogram, record_seconds
from tests.perf.people import applicant_id, application, create_profiles, opportunity

OPPORTUNITIES = 12  # more than a page of 10: the search page shows a full page and a pager
MAX_REQUESTS = 1_000  # per page kind: keeps the full run within a couple of minutes
PAGES = {"search": "opportunities.html", "application": "application.html"}


async def seed(system, users: list[str]) -> dict[str, tuple[str, str]]:
    """Opportunities to find, and one submitted application per user: {sub: (token, id)}."""
    api = Api({name: proc.url for name, proc in system.services.items()}, timeout=30.0)
    async with api:
        host = Caller(api, "host-admin", ("host",), "host-bench")
        for _ in range(OPPORTUNITIES):
            await host.publish(opportunity(5))
        await create_profiles(system.url("applicant"), users)
        callers = [Caller(api, sub, ("applicant",)) for sub in users]
        apps = await asyncio.gather(*(c.apply(application()) for c in callers))
        return {c.sub: (c.token, str(a.id)) for c, a in zip(callers, apps, strict=True)}


def start_web(ctx: Context, system, people: dict[str, tuple[str, str]]) -> tuple:
    users_file, sessions_file = ctx.out_dir / "web-users.json", ctx.out_dir / "web-sessions.json"
    users_file.write_text(json.dumps([{"sub": s, "token": t} for s, (t, _) in people.items()]))
    port = free_port()
    env = {"WEB_HTTP_PORT": str(port), "WEB_LOG_LEVEL": "WARNING",
           "WEB_BENCH_USERS": str(users_file), "WEB_BENCH_SESSIONS": str(sessions_file),
           **{f"WEB_{n.upper()}_URL": system.url(n)
              for n in ("applicant", "matching", "notification", "monitor")}}
    web = ServiceProcess("tests.perf.web_server", env, port, ctx.out_dir / "logs" / "web.log")
    web.start(240)
    sessions = json.loads(sessions_file.read_text())
    users_file.unlink()  # it holds tokens
    sessions_file.unlink()
    return web, sessions


def requests(kind: str, people: dict, sessions: dict, count: int, bare: bool) -> list[dict]:
    subs = list(people)
    out = []
    for i in range(count):
        sub = subs[i % len(subs)]
        path = ("/opportunities" if kind == "search" else f"/applications/{people[sub][1]}")
        out.append({"method": "GET", "path": f"/_bench/bare/{PAGES[kind]}" if bare else path,
                    "headers": {"Cookie": f"bps_session={sessions[sub]}"}})
    return out


async def measure(ctx: Context, web: ServiceProcess, reqs: list[dict], tag: str,
                  key: str | None = None) -> dict:
    """Runs the load; the server's own times of these requests (under `key`, as
    web_server.page_kind files them), its CPU per request and the client's latencies."""
    result = await load(ctx, web.port, reqs, tag, web.proc.pid)
    if result["statuses"] != {"200": len(reqs)}:
        raise RuntimeError(f"{tag}: not every page was a 200: {result['statuses']}")
    async with httpx.AsyncClient(base_url=web.url, timeout=30.0) as client:
        times = (await client.get("/_bench/times")).json()
    h = histogram()
    for seconds in times.get(key or tag, []):
        record_seconds(h, seconds)
    assert h.get_total_count() == len(reqs), (tag, h.get_total_count())
    return {"p50": h.get_value_at_percentile(50) / 1000, "p99": h.get_value_at_percentile(99)
            / 1000, "cpu": result["server_cpu_ms_per_request"],
            "client_p50_ms": result["p50_ms"], "client_p99_ms": result["p99_ms"],
            "requests": len(reqs), "seconds": result["seconds"]}


def metrics(kind: str, page: dict, bare: dict) -> list[Metric]:
    detail = {"concurrency": CONCURRENCY, "users": CONCURRENCY}
    out = []
    for stat, unit in (("p50", "ms"), ("p99", "ms"), ("cpu", "ms/req")):
        base = f"web.{kind}_bare.{stat}"
        out += [Metric(base, bare[stat], unit, detail={**detail, **bare}),
                Metric(f"web.{kind}_page.{stat}", page[stat], unit, baseline=base,
                       detail={**detail, **page})]
    return out


@bench("web.pages", group="web")
async def web_pages(ctx: Context) -> list[Metric]:
    """Search and application pages, 32 signed-in users: server time vs bare Jinja render."""
    count = min(ctx.sizes.http_requests, MAX_REQUESTS)
    system = await start_system(ctx.out_dir / f"web-{ctx.run_id}", extra_env=BENCH_ENV)
    web = None
    try:
        people = await seed(system, [applicant_id(i, "web") for i in range(CONCURRENCY)])
        web, sessions = await asyncio.to_thread(start_web, ctx, system, people)
        out: list[Metric] = []
        for kind in PAGES:
            # Warm: every user's page once (this also records the bare render's context).
            await measure(ctx, web, requests(kind, people, sessions, CONCURRENCY, False), kind)
            page = await measure(ctx, web, requests(kind, people, sessions, count, False), kind)
            bare = await measure(ctx, web, requests(kind, people, sessions, count, True),
                                 f"{kind}_bare", PAGES[kind].removesuffix(".html") + "_bare")
            out += metrics(kind, page, bare)
        return out
    finally:
        if web is not None:
            await asyncio.to_thread(web.stop)
        await stop_system(system)
