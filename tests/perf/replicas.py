"""Throughput that grows with replicas: the plumbing hop (tests/perf/plumbing.py: the kit's
run_service, inbox + effect + outbox in one transaction, the relay publishing the follow-on)
as k = 1, 2 and 3 OS processes in one consumer group, on a three-node Kafka cluster of the
bench's own (replication 3, min.insync.replicas 2, the catalogue's 12 partitions per topic:
12, 6 and 4 input partitions per replica), as the replica set-up of tests/e2e/faults runs them.

Per k, on fresh topics and a fresh database: start k replicas (`python -m tests.perf.hop_replica`)
on the empty input topic and wait until the group is stable with k members that each hold
partitions; pause them (SIGSTOP), pre-fill N events, resume all at once (SIGCONT) and time
until the outbox has relayed N follow-ons. The pause keeps the first replica to start from
draining the topic alone while the others are still importing. It lasts about as long as the
pre-fill (`paused_seconds`, a second or two), under the consumers' 10 s session timeout; the
members are compared before and after the window, so a rebalance would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import (
    GroupCoordinatorNotAvailableError,
    GroupLoadInProgressError,
    NotCoordinatorForGroupError,
)
from bps_local import kafka as local_kafka
from shared.db import create_pool
from shared.kafka import ensure_topics, make_admin
from shared.settings import TopicSettings

from tests.e2e.faults.replicas import free_cluster_base
from tests.perf.core import Context, Metric, bench, rate
from tests.perf.floors import produce_all, records
from tests.perf.hop_replica import ENV
from tests.perf.intake import cpu_seconds
from tests.perf.plumbing import wait_all_sent

REPLICAS = (1, 2, 3)
ROOT = Path(__file__).resolve().parents[2]
READY_WITHIN = 300.0  # k processes importing at once on a loaded 2-core machine
STOP_WITHIN = 30.0
POLL_SECONDS = 0.2
# A fresh cluster elects the group coordinators while its offsets topic is created.
NO_COORDINATOR_YET = (GroupCoordinatorNotAvailableError, GroupLoadInProgressError,
                      NotCoordinatorForGroupError)
CORES_NOTE = ("{cores} cores: the replicas, three brokers and PostgreSQL share them, so "
              "events/s can grow with replicas only until the cores are busy; 2 cores cap "
              "what this machine can show")


def scaling(rates: dict[int, float], cores: int | None) -> dict:
    """What every replicas metric carries: events/s per k, each as a ratio to k = 1, and the
    machine's core count with what it means for the ratios."""
    one = rates.get(1)
    return {"events_per_s": {f"k{k}": v for k, v in sorted(rates.items())},
            "ratio_to_k1": {f"k{k}": (v / one if one else None) for k, v in sorted(rates.items())},
            "cores": cores, "note": CORES_NOTE.format(cores=cores)}


@contextlib.asynccontextmanager
async def own_cluster() -> AsyncIterator[tuple[str, int]]:
    """A three-node cluster on free ports (the replica fault test's harness), stopped after."""
    base = free_cluster_base()
    try:
        yield await asyncio.to_thread(local_kafka.ensure_cluster, base, 180), base
    finally:
        await asyncio.to_thread(local_kafka.stop_cluster, base)


def start_replicas(ctx: Context, k: int, bootstrap: str, prefix: str, dsn: str
                   ) -> list[subprocess.Popen]:
    env = {**os.environ, **dict(zip(ENV, (bootstrap, prefix, dsn), strict=True))}
    out = []
    with open(ctx.out_dir / "replicas.log", "ab") as log:  # the children keep their own copy
        for i in range(1, k + 1):
            module, extra = ctx.launch("tests.perf.hop_replica", f"replicas.k{k}.r{i}")
            out.append(subprocess.Popen([sys.executable, "-m", module], cwd=ROOT,
                                        env={**env, **extra}, stdout=log,
                                        stderr=subprocess.STDOUT))
    return out


async def stop_replicas(procs: list[subprocess.Popen]) -> None:
    """SIGCONT first: a paused process would hold its SIGTERM until resumed."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.terminate()
    for proc in procs:
        try:
            await asyncio.to_thread(proc.wait, STOP_WITHIN)
        except subprocess.TimeoutExpired:
            proc.kill()
            await asyncio.to_thread(proc.wait, STOP_WITHIN)


async def members(admin, group: str) -> tuple[str, dict[str, int]]:
    """The group's state and member id -> partitions it holds."""
    [response] = await admin.describe_consumer_groups([group])
    [described] = response.to_object()["groups"]
    held = {}
    for m in described["members"]:
        raw = m["member_assignment"]
        held[m["member_id"]] = (len(ConsumerProtocolMemberAssignment.decode(raw).partitions())
                                if raw else 0)
    return described["state"], held


async def wait_for_group(admin, group: str, k: int, procs: list[subprocess.Popen]
                         ) -> dict[str, int]:
    deadline = time.monotonic() + READY_WITHIN
    while True:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError(f"a replica of {group} exited while starting; see replicas.log")
        try:
            state, held = await members(admin, group)
        except NO_COORDINATOR_YET:
            state, held = "no coordinator yet", {}
        if state == "Stable" and len(held) == k and all(held.values()):
            return held
        if time.monotonic() > deadline:
            raise TimeoutError(f"group {group}: {state} with {held} after {READY_WITHIN:.0f}s")
        await asyncio.sleep(POLL_SECONDS)


async def fill_paused(procs: list[subprocess.Popen], bootstrap: str, topic: str,
                      batch: list) -> None:
    """Pause the replicas (SIGSTOP) and pre-fill their input topic."""
    for p in procs:
        p.send_signal(signal.SIGSTOP)
    await produce_all(bootstrap, topic, batch)


async def drain(procs: list[subprocess.Popen], pool, count: int,
                pids: list[int]) -> tuple[float, list[float]]:
    """Resume the paused replicas at once (SIGCONT); the seconds until the outbox has relayed
    `count` follow-ons, and the CPU seconds each of `pids` spent meanwhile."""
    cpu = [cpu_seconds(pid) for pid in pids]
    started = time.perf_counter()
    for p in procs:
        p.send_signal(signal.SIGCONT)
    ended = await wait_all_sent(pool, count, within=max(60.0, count / 20))
    return ended - started, [cpu_seconds(pid) - was for pid, was in zip(pids, cpu, strict=True)]


async def run_k(ctx: Context, bootstrap: str, broker_pids: list[int], k: int,
                count: int) -> dict:
    """k replicas on fresh topics and database: events/s with the detail of the run."""
    prefix = f"bench{ctx.run_id}replicas_k{k}."
    await ensure_topics(bootstrap, prefix, TopicSettings(
        replication_factor=3, min_insync_replicas=2, partitions=None))  # catalogue's count
    dsn = await ctx.database(f"replicas_k{k}")
    batch = records(ctx, count)
    launched = time.perf_counter()
    procs = start_replicas(ctx, k, bootstrap, prefix, dsn)
    admin = make_admin(bootstrap)
    await admin.start()
    pool = await create_pool(dsn)
    try:
        held = await wait_for_group(admin, prefix + "bench", k, procs)
        paused = time.perf_counter()
        await fill_paused(procs, bootstrap, prefix + "applications", batch)
        filled = time.perf_counter()
        seconds, cpu = await drain(procs, pool, count, [p.pid for p in procs] + broker_pids)
        effects = await pool.fetchval("SELECT count(*) FROM bench_effects")
        _, after = await members(admin, prefix + "bench")
    finally:
        await stop_replicas(procs)
        await pool.close()
        await admin.close()
    if effects != count:
        raise RuntimeError(f"k={k}: {effects} effect rows for {count} events")
    return {"rate": rate(count, seconds), "events": count, "seconds": seconds,
            "partitions_per_replica": sorted(held.values(), reverse=True),
            "rebalanced_during_run": set(after) != set(held),
            "group_ready_seconds": paused - launched,  # start to a stable group, untimed
            "paused_seconds": filled - paused,  # the pre-fill, untimed
            "replica_cpu_ms_per_event": 1000 * sum(cpu[:k]) / count,
            # the three brokers' whole CPU over the window, their own housekeeping included
            "broker_cpu_ms_per_event": 1000 * sum(cpu[k:]) / count}


@bench("replicas.hop", group="replicas")
async def replicas_hop(ctx: Context) -> list[Metric]:
    """The plumbing hop as 1, 2 and 3 replica processes in one group on a three-node cluster."""
    runs: dict[int, dict] = {}
    async with own_cluster() as (bootstrap, base):
        brokers = list(local_kafka.cluster_pids(base).values())
        try:
            for k in REPLICAS:
                runs[k] = await run_k(ctx, bootstrap, brokers, k, ctx.sizes.hop_events)
        finally:
            # tidying must not hide the error that brought us here
            with contextlib.suppress(Exception):
                await delete_topics(bootstrap, f"bench{ctx.run_id}replicas_")
    summary = scaling({k: r.pop("rate") for k, r in runs.items()}, os.cpu_count())
    return [Metric(f"replicas.hop_k{k}", summary["events_per_s"][f"k{k}"], "events/s",
                   baseline="replicas.hop_k1" if k > 1 else None,
                   detail={**r, **summary, "cluster": bootstrap})
            for k, r in runs.items()]


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """The cluster's data stays on disk for the next start: leave no bench topics in it."""
    admin = make_admin(bootstrap)
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()
