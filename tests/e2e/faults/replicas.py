"""Scale-out on one machine: every service as three replicas (one database and one consumer
group per service, a port per replica) while journeys are spread over them, with rolling
SIGTERM restarts of every replica, one SIGKILL per service, pairs of cohort rounds started
at once on two matching replicas, and SLA timers polled by every approval replica.

The faults run as one script, in phases, so what each kind of stop leaves behind can be told
apart: after the rolling restarts (SIGTERM only) the counts are taken (emails in doubt,
records published twice), before any SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
from dataclasses import dataclass, field

import asyncpg
from bps_local import procs
from bps_local.kafka_nodes import CLUSTER_SIZE, NODE_PORT_STEP
from contracts.topics import TOPICS
from testkit.harness.process import ServiceProcess, free_port

from testkit import Api, ApiError, Caller, GaveUp
from tests.e2e.faults.reconcile import read_topic
from tests.e2e.faults.scenario import Fault, Run
from tests.e2e.system import SERVICES, System

REPLICAS = 3
REPLICA_ENV = {
    # Cohort mode: every first match comes from HR's rounds, so the two rounds of a pair,
    # started at once on two replicas, compete for the same waiting applications.
    "MATCHING_CONTINUOUS_MATCHING": "false",
    # Every stage's reminder falls due 0.2 s after it opens (escalation at 4 s, expiry far
    # beyond the run), so nearly every stage has a timer for the approval replicas to race for.
    "APPROVAL_SLA_DUE_SECONDS": "{}",
    "APPROVAL_SLA_DEFAULT_DUE_SECONDS": "4",
    "APPROVAL_SLA_REMINDER_FRACTION": "0.05",
    "APPROVAL_SLA_EXPIRY_FACTOR": "10000",
    "APPROVAL_TIMER_POLL_SECONDS": "0.2",
    "NOTIFICATION_WORKER_POLL_SECONDS": "0.2",
    # Fifteen relays polling every 0.05 s (the e2e default) cost a core on their own; a NOTIFY
    # from the outbox's trigger wakes each at once anyway.
    **{f"{s.upper()}_OUTBOX_POLL_SECONDS": "0.5" for s in SERVICES},
    # A send cut off by a SIGKILL is declared in doubt after this long (60 s by default).
    "NOTIFICATION_STUCK_AFTER_SECONDS": "15",
}
# Fifteen processes importing at once on two cores: a start took up to 5 minutes on a machine
# at load average 50.
READY_WITHIN = 600.0
DRAIN_WITHIN = 90.0  # seconds a SIGTERMed replica may take to drain and exit by itself
ROUND_EVERY = 1.0  # seconds between pairs of rounds


@dataclass
class Counts:
    """What the replica run did and what the SIGTERM phase left behind."""

    replicas: int = REPLICAS
    restarts: int = 0  # SIGTERM, drained, exited 0, started again, ready
    drain_seconds: list[float] = field(default_factory=list)
    kills: int = 0
    round_pairs: list[tuple[str, str]] = field(default_factory=list)
    sigterm_emails_in_doubt: int = -1  # -1: never counted
    sigterm_topic_duplicates: int = -1
    reminders_fired: int = 0
    timers_fired_by_replica: dict[str, int] = field(default_factory=dict)
    rounds_matched: int = 0
    problems: list[str] = field(default_factory=list)


class Pace:
    """Journeys released in step with the faults: journey i of n waits until i/n of the
    fault steps are done (the first share at once), so traffic flows through every restart
    and kill, however quickly the journeys themselves go."""

    def __init__(self, journeys: int, steps: int) -> None:
        self.journeys, self.steps, self.done = journeys, steps, 0
        self.changed = asyncio.Condition()

    async def admit(self, i: int) -> None:
        need = i * self.steps // max(self.journeys, 1)
        async with self.changed:
            await self.changed.wait_for(lambda: self.done >= need)

    async def step(self) -> None:
        async with self.changed:
            self.done += 1
            self.changed.notify_all()

    async def finish(self) -> None:
        async with self.changed:
            self.done = self.steps
            self.changed.notify_all()


def free_cluster_base() -> int:
    """A base port for a three-node cluster of this run's own (node i on base + 100 i, its
    controller beside it): below Linux's ephemeral ports (which the services' free ports come
    from), away from the shared broker's 19092 and the leader-kill run's 29092."""
    for base in range(23092, 28800, 300):
        if all(procs.port_free(base + NODE_PORT_STEP * i + d)
               for i in range(CLUSTER_SIZE) for d in (0, 1)):
            return base
    raise RuntimeError("no free ports for a three-node cluster in 23092-28792")


def replica_set(system: System, name: str) -> list[ServiceProcess]:
    """The service's processes: the first (started by start_system), then replicas 2.."""
    return [system.services[name]] + [system.services[f"{name}#{k}"]
                                      for k in range(2, REPLICAS + 1)]


async def start_replicas(run: Run) -> None:
    """Replicas 2..REPLICAS of every service, all at once, on ports chosen beforehand (two
    threads asking for a free port at once could be handed the same one)."""
    system = run.system
    taken = {proc.port for proc in system.services.values()}
    ports: dict[tuple[str, int], int] = {}
    for name in SERVICES:
        for k in range(2, REPLICAS + 1):
            while (port := free_port()) in taken:
                pass
            taken.add(port)
            ports[(name, k)] = port
    started = time.monotonic()
    await asyncio.gather(*(asyncio.to_thread(system.start_replica, name, k, port,
                                             READY_WITHIN)
                           for (name, k), port in ports.items()))
    run.say(f"{len(ports)} replicas ready in {time.monotonic() - started:.1f}s: "
            f"{REPLICAS} of each service")


# ------------------------------------------------------------------------------ the faults
def replica_faults(counts: Counts, pace: Pace) -> Fault:
    """Rolling SIGTERM restarts, the SIGTERM phase's counts, then one SIGKILL per service."""

    async def fault(run: Run) -> None:
        try:
            await asyncio.gather(*(_roll(run, name, counts, pace) for name in SERVICES))
            run.say(f"rolling restarts done: {counts.restarts}")
            await _count_after_sigterms(run, counts)
            await asyncio.gather(*(_kill_one(run, name, counts, pace) for name in SERVICES))
        finally:
            await pace.finish()  # never leave journeys waiting for a step that cannot come

    return fault


async def _roll(run: Run, name: str, counts: Counts, pace: Pace) -> None:
    """Each replica of the service in turn: SIGTERM, wait for it to drain and exit by itself,
    start it again and wait until it is ready before the next (a rolling update)."""
    for k, proc in enumerate(replica_set(run.system, name), start=1):
        started, logged = time.monotonic(), proc.log_path.stat().st_size
        assert proc.proc is not None
        proc.proc.terminate()
        code = await asyncio.to_thread(proc.proc.wait, DRAIN_WITHIN)
        drained = time.monotonic() - started
        # uvicorn ends a clean stop in status 0 or in SIGTERM itself (it re-raises the signal
        # it caught), after the lifespan's drain has finished.
        with proc.log_path.open("rb") as log:
            log.seek(logged)
            said = log.read().decode(errors="replace")
        assert code in (0, -signal.SIGTERM) and "Application shutdown complete" in said, (
            f"{name} replica {k} exited {code} after SIGTERM; see {proc.log_path}")
        await asyncio.to_thread(proc.start, READY_WITHIN)
        counts.restarts += 1
        counts.drain_seconds.append(drained)
        run.say(f"{name} replica {k}: SIGTERM, drained in {drained:.1f}s, ready again after "
                f"{time.monotonic() - started:.1f}s")
        await pace.step()


async def _kill_one(run: Run, name: str, counts: Counts, pace: Pace) -> None:
    await asyncio.sleep(run.rng.uniform(0, 3))  # the services die at different moments
    k = run.rng.randint(1, REPLICAS)
    proc = replica_set(run.system, name)[k - 1]
    proc.kill()
    counts.kills += 1
    run.ledger.kills += 1
    run.say(f"SIGKILLed {name} replica {k}")
    started = time.monotonic()
    await asyncio.to_thread(proc.start, READY_WITHIN)
    run.say(f"{name} replica {k} back in {time.monotonic() - started:.1f}s")
    await pace.step()


async def _count_after_sigterms(run: Run, counts: Counts, within: float = 180.0) -> None:
    """Once every send claimed before the last restart has an outcome (delivered, failed, or
    declared in doubt after NOTIFICATION_STUCK_AFTER_SECONDS), count the emails in doubt and
    the records published twice so far: a SIGTERM must leave none of either."""
    conn = await asyncpg.connect(run.system.dsns["notification"])
    try:
        now = await conn.fetchval("SELECT now()")
        deadline = time.monotonic() + within
        while await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'sending'"
                                  " AND sending_since <= $1", now):
            assert time.monotonic() < deadline, f"sends claimed before {now} still unresolved"
            await asyncio.sleep(0.5)
        counts.sigterm_emails_in_doubt = await conn.fetchval(
            "SELECT count(*) FROM messages WHERE channel = 'email'"
            " AND status = 'technical-failure'")
    finally:
        await conn.close()
    counts.sigterm_topic_duplicates = await topic_duplicates(run.system)
    run.say(f"after the SIGTERMs: {counts.sigterm_emails_in_doubt} emails in doubt, "
            f"{counts.sigterm_topic_duplicates} records published twice")


async def topic_duplicates(system: System) -> int:
    """Records beyond the first of each event id, over every topic."""
    extra = 0
    for spec in TOPICS:
        seen: set[bytes] = set()
        for record in await read_topic(system.bootstrap, system.prefix + spec.name):
            event_id = _event_id(record.value)
            if event_id is not None:
                extra += event_id in seen
                seen.add(event_id)
    return extra


def _event_id(value: bytes) -> bytes | None:
    try:
        return str(json.loads(value)["event_id"]).encode()
    except (ValueError, KeyError, TypeError):
        return None  # poison


# ------------------------------------------------------------------------------ the rounds
def rounds_robot(counts: Counts) -> Fault:
    """Central HR starts two cohort rounds at once, on two different matching replicas (in
    turn: 1+2, 2+3, 3+1, ...), every ROUND_EVERY seconds until the journeys end."""

    async def fault(run: Run) -> None:
        urls = run.system.replica_urls()["matching"]
        apis = [Api({"matching": url}, timeout=60.0, retry_for=300.0) for url in urls]
        hr = [Caller(api, "replica-run-hr", ("hr",)) for api in apis]
        try:
            tick = 0
            while not run.finished:
                try:
                    pair = await asyncio.gather(hr[tick % len(hr)].start_round(),
                                                hr[(tick + 1) % len(hr)].start_round())
                    counts.round_pairs.append((str(pair[0].round_id), str(pair[1].round_id)))
                except (ApiError, GaveUp) as exc:
                    # Noted for the verdict; the rounds go on, or every journey would wait
                    # for a match until it timed out.
                    counts.problems.append(f"round pair {tick}: {exc}")
                tick += 1
                # A cadence, as an HR team would keep, not a wait for a condition.
                await asyncio.sleep(ROUND_EVERY)
        finally:
            await asyncio.gather(*(api.aclose() for api in apis))

    return fault
