"""HTTP intake: `POST /applications` on the real applicant process vs `POST /bare` on the same
server stack (tests.perf.bare_server), both driven by tests.perf.loadgen in its own process.

Each request is a different applicant (one live application per scheme, and the write limit
is per caller), whose profile is created first and not timed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import asyncpg
from testkit.harness.process import ServiceProcess, free_port
from testkit.http import to_json

from tests.perf.core import Context, Metric, Target, bench
from tests.perf.people import applicant_id, application, bearer, create_profiles

CONCURRENCY = 32
ROOT = Path(__file__).resolve().parents[2]


def service_env(name: str, ctx: Context, prefix: str, dsn: str, port: int,
                **extra: str) -> dict[str, str]:
    p = name.upper() + "_"
    env = {p + "HTTP_PORT": str(port), p + "KAFKA_BOOTSTRAP_SERVERS": ctx.bootstrap,
           p + "DATABASE_URL": dsn, p + "TOPIC_PREFIX": prefix, p + "LOG_LEVEL": "WARNING"}
    env.update({p + k.upper(): v for k, v in extra.items()})
    return env


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(ctx: Context, port: int, requests: list[dict], tag: str,
               server_pid: int | None = None) -> dict:
    """Runs the load generator process on `requests`; returns its JSON result, with the
    server's CPU milliseconds per request (steadier than requests/s on a shared machine)."""
    job = ctx.out_dir / f"loadgen-{tag}.json"
    job.write_text(json.dumps({"host": "127.0.0.1", "port": port, "concurrency": CONCURRENCY,
                               "requests": requests}))
    cpu_before = cpu_seconds(server_pid) if server_pid else None
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.perf.loadgen", str(job),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=ROOT)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed: {err.decode()[-2000:]}")
    job.unlink()
    result = json.loads(out)
    if cpu_before is not None:
        result["server_cpu_ms_per_request"] = (
            1000 * (cpu_seconds(server_pid) - cpu_before) / max(1, result["requests"]))
    return result


async def copy_profiles(dsn: str, renames: dict[str, str]) -> None:
    """The lean run's applicants: the same profile rows as the real run's, under other ids
    (made through the API they would double a slow, untimed setup)."""
    conn = await asyncpg.connect(dsn)
    try:
        for old, new in renames.items():
            await conn.execute(
                "INSERT INTO applicants SELECT (jsonb_populate_record(a, jsonb_build_object("
                "'id', replace(a.id, $1, $2)))).* FROM applicants a WHERE a.id LIKE $3",
                f"-{old}-", f"-{new}-", f"bench-{old}-%")
    finally:
        await conn.close()


def ready_within(ctx: Context) -> float:
    return 300.0 if ctx.profile else 90.0  # a profiled service starts several times slower


def stop(ctx: Context, proc: ServiceProcess) -> None:
    """SIGTERM; a profiled process writes its profile as it exits, which takes a while."""
    if ctx.profile and proc.proc is not None and proc.proc.poll() is None:
        proc.proc.terminate()
        proc.proc.wait(180)
    proc.stop()


def intake_requests(subs: list[str]) -> list[dict]:
    body = json.dumps(to_json(application()))
    return [{"method": "POST", "path": "/applications", "body": body,
             "headers": bearer(sub, "applicant")} for sub in subs]


async def measure_applicant(ctx: Context, count: int) -> tuple[dict, dict]:
    """`POST /applications` on the real service, then the lean intake (tests.perf.lean_server)
    on the same database and topics with profiles made the same way, one after the other."""
    prefix = await ctx.topics("intake")
    dsn = await ctx.database("intake")
    port = free_port()
    module, extra = ctx.launch("applicant", "http.post_applications")
    proc = ServiceProcess(module, {**service_env("applicant", ctx, prefix, dsn, port), **extra},
                          port, ctx.out_dir / "logs" / "intake-applicant.log")
    sets = {tag: [applicant_id(i, tag) for i in range(n)]
            for tag, n in (("warm", 200), ("intake", count), ("leanwarm", 200), ("lean", count))}
    try:
        await asyncio.to_thread(proc.start, ready_within(ctx))
        await create_profiles(proc.url, sets["warm"] + sets["intake"])
        await copy_profiles(dsn, {"warm": "leanwarm", "intake": "lean"})
        await load(ctx, port, intake_requests(sets["warm"]), "applicant-warm")
        real = await load(ctx, port, intake_requests(sets["intake"]), "applicant", proc.proc.pid)
    finally:
        await asyncio.to_thread(stop, ctx, proc)
    port = free_port()
    module, extra = ctx.launch("tests.perf.lean_server", "lean.intake")
    lean = ServiceProcess(module, {**service_env("lean", ctx, prefix, dsn, port), **extra},
                          port, ctx.out_dir / "logs" / "intake-lean.log")
    try:
        await asyncio.to_thread(lean.start, ready_within(ctx))
        await load(ctx, port, intake_requests(sets["leanwarm"]), "lean-warm")
        return real, await load(ctx, port, intake_requests(sets["lean"]), "lean", lean.proc.pid)
    finally:
        await asyncio.to_thread(stop, ctx, lean)


async def measure_bare(ctx: Context, count: int) -> dict:
    prefix = await ctx.topics("bare")
    port = free_port()
    env = service_env("bare", ctx, prefix, await ctx.database("bare"), port)
    proc = ServiceProcess("tests.perf.bare_server", env, port,
                          ctx.out_dir / "logs" / "intake-bare.log")
    try:
        await asyncio.to_thread(proc.start, 90.0)
        body = json.dumps(to_json(application()))
        requests = [{"method": "POST", "path": "/bare", "body": body,
                     "headers": bearer("bare", "applicant")}] * count
        await load(ctx, port, requests[:200], "bare-warm")
        return await load(ctx, port, requests, "bare", proc.proc.pid)
    finally:
        await asyncio.to_thread(proc.stop)


def _rps(result: dict) -> float:
    return result["requests"] / result["seconds"]


@bench("http_intake", group="http")
async def http_intake(ctx: Context) -> list[Metric]:
    """POST /applications requests/s vs the lean intake (and a bare endpoint, as information)."""
    count = ctx.sizes.http_requests
    bare = await measure_bare(ctx, count)
    real, lean = await measure_applicant(ctx, count)
    for name, result in (("applicant", real), ("lean", lean), ("bare", bare)):
        if result["statuses"].get("201", 0) != count:
            raise RuntimeError(f"not every request succeeded: {name} {result['statuses']}")
    detail = {"concurrency": CONCURRENCY, "client": "tests.perf.loadgen (separate process)"}
    cpu = "server_cpu_ms_per_request"
    return [Metric("http.bare_endpoint", _rps(bare), "req/s", detail={**detail, **bare}),
            Metric("lean.intake", _rps(lean), "req/s", detail={**detail, **lean}),
            Metric("http.post_applications", _rps(real), "req/s", baseline="lean.intake",
                   target=Target(">=", 0.7, "ratio"),
                   detail={**detail, **real, "ratio_to_bare": _rps(real) / _rps(bare)}),
            Metric("http.bare_endpoint.cpu", bare[cpu], "ms/req", detail=detail),
            Metric("lean.intake.cpu", lean[cpu], "ms/req", detail=detail),
            Metric("http.post_applications.cpu", real[cpu], "ms/req",
                   baseline="lean.intake.cpu", detail=detail)]
