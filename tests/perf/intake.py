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

from testkit.harness.process import ServiceProcess, free_port
from testkit.http import to_json

from tests.perf.core import Context, Metric, bench
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


def intake_requests(subs: list[str]) -> list[dict]:
    body = json.dumps(to_json(application()))
    return [{"method": "POST", "path": "/applications", "body": body,
             "headers": bearer(sub, "applicant")} for sub in subs]


async def measure_applicant(ctx: Context, count: int) -> dict:
    prefix = await ctx.topics("intake")
    port = free_port()
    env = service_env("applicant", ctx, prefix, await ctx.database("intake"), port)
    proc = ServiceProcess("applicant", env, port, ctx.out_dir / "logs" / "intake-applicant.log")
    await asyncio.to_thread(proc.start, 90.0)
    try:
        warm = [applicant_id(i, "warm") for i in range(200)]
        subs = [applicant_id(i, "intake") for i in range(count)]
        await create_profiles(proc.url, warm + subs)
        await load(ctx, port, intake_requests(warm), "applicant-warm")
        return await load(ctx, port, intake_requests(subs), "applicant", proc.proc.pid)
    finally:
        await asyncio.to_thread(proc.stop)


async def measure_bare(ctx: Context, count: int) -> dict:
    prefix = await ctx.topics("bare")
    port = free_port()
    env = service_env("bare", ctx, prefix, await ctx.database("bare"), port)
    proc = ServiceProcess("tests.perf.bare_server", env, port,
                          ctx.out_dir / "logs" / "intake-bare.log")
    await asyncio.to_thread(proc.start, 90.0)
    try:
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
    """POST /applications requests/s vs a bare endpoint of the same server stack."""
    count = ctx.sizes.http_requests
    bare = await measure_bare(ctx, count)
    real = await measure_applicant(ctx, count)
    ok = real["statuses"].get("201", 0)
    if ok != count or bare["statuses"].get("201", 0) != count:
        raise RuntimeError(f"not every request succeeded: applicant {real['statuses']}, "
                           f"bare {bare['statuses']}")
    detail = {"concurrency": CONCURRENCY, "client": "tests.perf.loadgen (separate process)"}
    cpu = "server_cpu_ms_per_request"
    return [Metric("http.bare_endpoint", _rps(bare), "req/s", detail={**detail, **bare}),
            Metric("http.post_applications", _rps(real), "req/s",
                   baseline="http.bare_endpoint", detail={**detail, **real}),
            Metric("http.bare_endpoint.cpu", bare[cpu], "ms/req", detail=detail),
            Metric("http.post_applications.cpu", real[cpu], "ms/req",
                   baseline="http.bare_endpoint.cpu", detail=detail)]
