"""A fault run: the whole system as real processes, the bulk driver, faults injected while it
runs (SIGKILLed services, a restarted or killed broker, a SIGKILLed database, poison and
duplicate records), then settling and reconciliation."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from bps_local import LOCAL, postgres, procs
from bps_local import kafka as local_kafka
from contracts.topics import TOPICS

from tests.e2e.driver import Plan, Stats, drive
from tests.e2e.faults.reconcile import Ledger, read_topic, readers_of, reconcile, settle
from tests.e2e.system import SERVICES, System, start_system, stop_system

Fault = Callable[["Run"], Awaitable[None]]
# Writes by one robot identity are not what these runs measure.
# A handful of robots act and are written to for thousands of people: per-caller write limits
# and per-recipient notification rates meant for one person would only queue work behind them
# (a 1,500-journey run left 1,926 messages waiting on 30/min for the busiest host org).
UNLIMITED = {**{f"{s.upper()}_WRITE_RATE_PER_MINUTE": "1000000" for s in SERVICES},
             "NOTIFICATION_RATE_PER_MINUTE": "10000000", "NOTIFICATION_RATE_BURST": "100000"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class FaultMissed(Exception):
    pass


@dataclass
class Run:
    system: System
    plan: Plan
    ledger: Ledger
    rng: random.Random
    stats: Stats | None = None
    poison: dict[str, list[bytes]] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    database_kills: int = 0
    finished: bool = False

    @property
    def progress(self) -> float:
        return self.stats.progress if self.stats else 0.0

    async def reached(self, fraction: float) -> None:
        """Returns once the run is this far along; raises FaultMissed if it ended first."""
        # Progress is a number the driver moves, not an event anyone sets.
        while self.progress < fraction:  # noqa: ASYNC110
            if self.finished:
                raise FaultMissed(f"the run ended before {fraction:.0%}")
            await asyncio.sleep(0.2)
        if self.finished:
            raise FaultMissed(f"the run ended before {fraction:.0%}")

    def say(self, text: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')} {self.progress:4.0%}] {text}"
        self.log.append(line)
        print(line, flush=True)


async def run_with_faults(tmp: Path, plan: Plan, faults: list[Fault], *,
                          bootstrap: str | None = None, replication: int = 1,
                          pg_base: str | None = None, settle_within: float = 240.0,
                          setup: Callable[[Run], Awaitable[None]] | None = None,
                          admit: Callable[[int], Awaitable[None]] | None = None,
                          checks: Callable[[Run], Awaitable[None]] | None = None,
                          env: dict[str, str] | None = None) -> tuple[Ledger, Run]:
    """`setup(run)` runs once the system is up (the replica run starts its replicas there),
    `admit` paces the journeys (see Driver), `checks(run)` adds counts of its own after the
    reconciliation, while the databases still exist; `env` adds service settings."""
    system = await start_system(tmp, {**UNLIMITED, **(env or {})}, bootstrap=bootstrap,
                                replication=replication, pg_base=pg_base)
    run = Run(system, plan, Ledger(), random.Random(plan.seed))
    try:
        if setup is not None:
            await setup(run)
        urls = system.replica_urls()
        tasks = [asyncio.create_task(fault(run)) for fault in faults]
        last = [0.0]

        def progress(stats: Stats) -> None:
            run.stats = stats
            if time.monotonic() - last[0] > 10:
                last[0] = time.monotonic()
                run.say(f"{stats.done}/{stats.planned} journeys done")

        run.stats = Stats(plan.journeys)  # replaced by the driver's own on the first report
        stats = await drive(urls, plan, progress, admit)
        run.stats, run.finished = stats, True
        # A fault not fired by now never fires (the test's counts show it); one half done
        # (a service restarting) completes.
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, FaultMissed):
                run.say(f"a fault never fired: {outcome}")
            elif isinstance(outcome, BaseException):
                raise outcome
        injected = await inject_duplicates(system, run.rng)
        run.ledger.duplicates_injected = sum(injected.values())
        run.ledger.injected_deliveries = sum(n * len(readers_of(t)) for t, n in injected.items())
        pending = await settle(system, settle_within)
        assert not pending, f"still in flight after {settle_within:.0f}s: {pending}"
        await reconcile(system, stats, run.poison, run.ledger)
        if checks is not None:
            await checks(run)
        run.say(json.dumps(stats.summary()))
        run.say(run.ledger.report())
        return run.ledger, run
    finally:
        run.finished = True
        await stop_system(system)


# ------------------------------------------------------------------------------ the faults
def kill_services(times: int, after: float = 0.2, until: float = 0.85) -> Fault:
    """SIGKILL each service `times` times at random moments past `after` of the run."""

    async def one_service(run: Run, name: str) -> None:
        for moment in sorted(run.rng.uniform(after, until) for _ in range(times)):
            await run.reached(moment)
            await asyncio.sleep(run.rng.uniform(0, 0.5))
            run.system.services[name].kill()
            run.ledger.kills += 1
            run.say(f"SIGKILLed {name}")
            started = time.monotonic()
            await asyncio.to_thread(run.system.start_service, name)
            run.say(f"{name} back in {time.monotonic() - started:.1f}s")

    async def fault(run: Run) -> None:
        # Services die independently: one restarting does not hold back another's kill.
        await asyncio.gather(*(one_service(run, name) for name in SERVICES))

    return fault


def inject_poison(at: float = 0.3) -> Fault:
    """Malformed JSON and wrong-schema JSON on every topic, while journeys flow."""

    async def fault(run: Run) -> None:
        await run.reached(at)
        producer = await started_producer(run.system.bootstrap)
        try:
            for spec in TOPICS:
                tag = uuid.uuid4().hex[:8]
                bad = {f"poison-json-{tag}".encode(): b'{"event_type": "Applica',
                       f"poison-schema-{tag}".encode(): json.dumps(
                           {"event_type": "ApplicationSubmitted", "schema_version": 1,
                            "event_id": "not-a-uuid", "poison": True}).encode()}
                for key, value in bad.items():
                    await producer.send_and_wait(run.system.prefix + spec.name, value, key=key)
                run.poison[spec.name] = list(bad)
                run.ledger.poison_injected += len(bad)
        finally:
            await producer.stop()
        run.say(f"injected {run.ledger.poison_injected} poison messages")

    return fault


async def started_producer(bootstrap: str, within: float = 120.0) -> AIOKafkaProducer:
    """A started producer, waiting out a broker that is down: another fault may be restarting
    it (a quick run reaches the poison's moment while the broker restart is still under way,
    and aiokafka's start gives up at once when it cannot bootstrap)."""
    deadline = time.monotonic() + within
    while True:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        try:
            await producer.start()
            return producer
        except KafkaConnectionError:
            await producer.stop()
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def inject_duplicates(system: System, rng: random.Random,
                            per_topic: int = 5) -> dict[str, int]:
    """Publish some records a second time, byte for byte, as a relay retry would: every
    reader must turn them away in its inbox. Returns how many, per topic."""
    producer = await started_producer(system.bootstrap)
    sent: dict[str, int] = {}
    try:
        for spec in TOPICS:
            records = [r for r in await read_topic(system.bootstrap, system.prefix + spec.name)
                       if not (r.key or b"").startswith(b"poison-")]
            for r in rng.sample(records, min(per_topic, len(records))):
                await producer.send_and_wait(r.topic, r.value, key=r.key,
                                             headers=list(r.headers or ()))
                sent[spec.name] = sent.get(spec.name, 0) + 1
    finally:
        await producer.stop()
    return sent


# ------------------------------------------------------------------------------ brokers
def free_port_pair() -> int:
    """A port whose successor is free too (a KRaft node's controller listens on port+1)."""
    return procs.free_run(2, (random.randint(31000, 38999) for _ in range(100)))


@dataclass
class PrivateBroker:
    port: int
    data_dir: Path

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        return local_kafka.ensure_single(self.port, self.data_dir, timeout=120)

    def kill(self) -> None:
        pid = local_kafka.node_pid(local_kafka.single_node(self.port, self.data_dir))
        assert pid, f"no broker running on {self.bootstrap}"
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        local_kafka.stop_single(self.port, self.data_dir)


def killed_and_restarted(name: str, kill: Callable[[Run], Awaitable[None]],
                         start: Callable[[], object], at: float, down: float) -> Fault:
    """At `at` of the run, `kill` (which counts and reports the kill), stay down for `down`
    seconds, then start again on the same data, timing how long the start takes."""

    async def fault(run: Run) -> None:
        await run.reached(at)
        await kill(run)
        await asyncio.sleep(down)
        started = time.monotonic()
        await asyncio.to_thread(start)
        run.say(f"{name} back in {time.monotonic() - started:.1f}s")

    return fault


def restart_broker(broker: PrivateBroker, at: float = 0.4, down: float = 5.0) -> Fault:
    async def kill(run: Run) -> None:
        broker.kill()
        run.ledger.broker_restarts += 1
        run.say(f"SIGKILLed the broker on {broker.bootstrap}")

    return killed_and_restarted("broker", kill, broker.start, at, down)


def kill_partition_leader(topic: str, at: float = 0.4) -> Fault:
    """SIGKILL the cluster node leading partition 0 of `topic`; it stays down."""

    async def fault(run: Run) -> None:
        await run.reached(at)
        leader = await _leader_of(run.system.bootstrap, run.system.prefix + topic, 0)
        pids = local_kafka.cluster_pids()
        assert set(pids) == {1, 2, 3}, f"expected three live nodes, got {pids}"
        os.kill(pids[leader], signal.SIGKILL)
        run.ledger.kills += 1
        run.say(f"SIGKILLed cluster node {leader}, leader of {topic}[0]")

    return fault


async def _leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)


# ------------------------------------------------------------------------------ PostgreSQL
@dataclass
class PrivateDatabase:
    """A PostgreSQL cluster of this test's own (its own port, its folder under the checkout's
    .local/), so it can be SIGKILLed without harming anyone else's. Durable as configured by
    bps_local.postgres (fsync and synchronous_commit on), the setting whose promise the kill
    tests: an acknowledged COMMIT survives."""

    port: int

    @property
    def cluster(self) -> postgres.Cluster:
        return postgres.private_cluster(self.port, LOCAL / "pg-faults" / str(self.port))

    @property
    def dsn_base(self) -> str:
        return self.cluster.dsn_base

    def start(self) -> str:
        postgres.start(self.cluster)
        return self.dsn_base

    def kill(self) -> int:
        return postgres.kill(self.cluster)

    def remove(self) -> None:
        postgres.stop(self.cluster)
        shutil.rmtree(self.cluster.home, ignore_errors=True)


def kill_database(db: PrivateDatabase, at: float = 0.4, down: float = 3.0) -> Fault:
    """SIGKILL the server and all its backends mid-run, leave it down for `down` seconds, and
    start it again on the same data (crash recovery replays the WAL)."""

    async def kill(run: Run) -> None:
        killed = await asyncio.to_thread(db.kill)
        run.database_kills += 1
        run.say(f"SIGKILLed PostgreSQL on port {db.port} ({killed} processes)")

    return killed_and_restarted("PostgreSQL", kill, db.start, at, down)
