"""Matching rounds (services/matching/bench_round.py, called per size) and each service's
resident memory when started and idle (journeys.py measures it again after load).
Journeys are in journeys.py, HTTP intake in intake.py.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

from contracts.topics import SERVICES
from testkit.harness.process import ServiceProcess, free_port

from tests.perf.core import Context, Metric, Pending, Target, bench

ROOT = Path(__file__).resolve().parents[2]
# (applicants, opportunities[, places]); bench_round.SIZES overrides these.
MATCHING_SIZES = {"5k_x_500": (5_000, 500), "50k_x_5k": (50_000, 5_000),
                  "nrmp": (45_000, 6_400, 41_500)}
MEMORY_LIMIT_MB = 150.0


def _module_exists(name: str) -> bool:
    return (ROOT / "services" / name / "src" / name / "__main__.py").exists()


@bench("matching.round", group="matching")
async def matching_round(ctx: Context) -> list[Metric]:
    """Matching rounds at 5k x 500, 50k x 5k and NRMP scale: service time vs bare algorithm.

    Calls `bench_round(applicants, opportunities, *, bootstrap, database_url, topic_prefix)`
    from tests/perf/matching_round.py (sync or async), which returns a dict with
    `service_seconds` (round incl. persistence) and `algorithm_seconds` (same input, bare).
    The module may set `SIZES = {name: (applicants, opportunities)}` to override ours.
    """
    from tests.perf import matching_round as module
    sizes = getattr(module, "SIZES", MATCHING_SIZES)
    if ctx.sizes.quick:
        sizes = {"quick_500_x_50": (500, 50)}
    out = []
    for label, (applicants, opportunities, *places) in sizes.items():
        prefix = await ctx.topics(f"match{label}")
        dsn = await ctx.database("matching")
        extra = {"places": places[0]} if places else {}
        result = module.bench_round(applicants, opportunities, bootstrap=ctx.bootstrap,
                                    database_url=dsn, topic_prefix=prefix, **extra)
        if inspect.isawaitable(result):
            result = await result
        algo = f"matching.{label}.algorithm"
        target = Target("<=", 10.0) if label == "nrmp" else None
        out += [Metric(algo, result["algorithm_seconds"], "s",
                       detail={"applicants": applicants, "opportunities": opportunities}),
                Metric(f"matching.{label}.service", result["service_seconds"], "s",
                       baseline=algo, target=target,
                       detail={k: v for k, v in result.items() if not k.endswith("_seconds")})]
    return out


@bench("memory", group="memory")
async def memory(ctx: Context) -> list[Metric]:
    """Resident memory of each service (`python -m <name>`) once started and settled."""
    present = [s for s in SERVICES if _module_exists(s)]
    if not present:
        raise Pending("no service has a __main__ yet")
    prefix = await ctx.topics("memory")
    out = []
    for name in present:
        out.append(await _service_rss(ctx, name, prefix))
    missing = sorted(set(SERVICES) - set(present))
    if missing:
        out.append(Metric("memory.pending", len(missing), "services",
                          detail={"not yet runnable": missing}))
    return out


async def _service_rss(ctx: Context, name: str, prefix: str) -> Metric:
    env_prefix = name.upper() + "_"
    port = free_port()
    env = {env_prefix + "DATABASE_URL": await ctx.database(name),
           env_prefix + "KAFKA_BOOTSTRAP_SERVERS": ctx.bootstrap,
           env_prefix + "TOPIC_PREFIX": prefix, env_prefix + "HTTP_PORT": str(port),
           env_prefix + "LOG_LEVEL": "WARNING"}
    proc = ServiceProcess(name, env, port, ctx.out_dir / "logs" / f"{name}.log")
    try:
        await asyncio.to_thread(proc.start, 180.0)
        await asyncio.sleep(1.0 if ctx.sizes.quick else 5.0)  # let lazy imports and pools settle
        rss, peak = _rss_mb(proc.proc.pid)
    except Exception as exc:  # noqa: BLE001 - one broken service must not sink the run
        return Metric(f"memory.{name}", float("nan"), "MB", detail={"error": repr(exc)[:300]})
    finally:
        await asyncio.to_thread(proc.stop)
    return Metric(f"memory.{name}", rss, "MB", target=Target("<=", MEMORY_LIMIT_MB),
                  detail={"peak_mb": peak, "state": "idle after start (no load yet)"})


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)
