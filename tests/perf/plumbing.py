"""The shared plumbing under load: one service hop (inbox + effect + outbox) and the relay.

Both use the real kit (shared.service.run_service, EventConsumer, Outbox, OutboxRelay) with
default ServiceSettings, so the figures are what every service gets.
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from pathlib import Path

import asyncpg
from contracts.examples import example
from shared.db import create_pool, migrate
from shared.metrics import PlumbingMetrics
from shared.outbox import Outbox, OutboxRelay
from shared.service import run_service
from shared.settings import ServiceSettings
from shared.unit_of_work import execute_held

from contracts import ApplicationSubmitted, Event, MatchProposed
from tests.perf.core import Context, Metric, Target, bench, rate
from tests.perf.floors import produce_all, records

MIGRATIONS = Path(__file__).parent / "migrations"
POLL_SECONDS = 0.02


@functools.cache
def _proposal_fields() -> dict:
    """A real MatchProposed's own fields (not the envelope's), made once."""
    envelope = set(Event.model_fields) - {"producer"}
    return example(MatchProposed).model_dump(exclude=envelope)


def follow_on(event: ApplicationSubmitted) -> MatchProposed:
    """A realistic next event (a proposal), caused by the one consumed, built the way a
    service's handler builds one (`caused_by`, validated); `example` costs ~0.15 ms more
    per event and is a test helper, not something a hop does."""
    return MatchProposed.caused_by(event, **{**_proposal_fields(), "match_id": uuid.uuid4(),
                                             "application_id": event.application_id})


async def wait_all_sent(pool: asyncpg.Pool, count: int, within: float) -> float:
    """Poll the outbox until `count` rows are acknowledged; returns perf_counter at that moment."""
    deadline = time.monotonic() + within
    while True:
        sent = await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        if sent >= count:
            return time.perf_counter()
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {sent} of {count} outbox rows sent within {within:.0f}s")
        await asyncio.sleep(POLL_SECONDS)


def hop_settings(ctx: Context, prefix: str, dsn: str, **overrides) -> ServiceSettings:
    return ServiceSettings(service_name="bench", environment="test",
                           kafka_bootstrap_servers=ctx.bootstrap,
                           topic_prefix=prefix, database_url=dsn, **overrides)


def hop_wire(marks: dict[str, float]):
    async def wire(runtime):
        async def handle(conn: asyncpg.Connection, event: ApplicationSubmitted) -> None:
            marks.setdefault("first", time.perf_counter())
            # An effect row nothing in the batch reads back: held, one executemany a batch.
            await execute_held(conn, "INSERT INTO bench_effects (event_id, detail)"
                               " VALUES ($1, $2)", event.event_id, event.applicant_id)
            await runtime.outbox.add(conn, follow_on(event))

        runtime.consumer("bench").on(ApplicationSubmitted, handle).attach(
            runtime.broker, *runtime.topics("applications"))
        return None

    return wire


async def run_hop(ctx: Context, count: int, **overrides) -> tuple[float, dict]:
    """Pre-fill `count` events, start the stand-in service, time first handled -> last relayed."""
    prefix = await ctx.topics("hop")
    dsn = await ctx.database("hop")
    batch = records(ctx, count)
    await produce_all(ctx.bootstrap, prefix + "applications", batch)
    marks: dict[str, float] = {}
    settings = hop_settings(ctx, prefix, dsn, **overrides)
    async with run_service(settings, MIGRATIONS, hop_wire(marks)) as runtime:
        ended = await wait_all_sent(runtime.pool, count, within=max(60.0, count / 20))
        effects = await runtime.pool.fetchval("SELECT count(*) FROM bench_effects")
    seconds = ended - marks["first"]
    return rate(count, seconds), {"events": count, "effects": effects, "seconds": seconds,
                                  "log_level": settings.log_level}


@bench("plumbing.service_hop", group="plumbing", smoke=True)
async def service_hop(ctx: Context) -> list[Metric]:
    """One hop: consume, inbox + effect + outbox in one transaction, relay the follow-on."""
    value, detail = await run_hop(ctx, ctx.sizes.hop_events)
    for floor in ("floor.consume_produce_loop", "floor.consume_produce_per_message",
                  "floor.pg_insert_tx"):
        if ctx.baseline(floor):  # the raw floors, as information
            detail[f"ratio_to_{floor}"] = value / ctx.baseline(floor)
    return [Metric("plumbing.service_hop", value, "events/s",
                   baseline="lean.hop", target=Target(">=", 0.7, "ratio"),
                   detail=detail)]


@bench("plumbing.outbox_relay", group="plumbing", smoke=True)
async def outbox_relay(ctx: Context) -> list[Metric]:
    """Outbox relay: pre-filled unsent rows, time from relay start until all are acknowledged."""
    prefix = await ctx.topics("relay")
    pool = await create_pool(await ctx.database("relay"))
    defaults = ServiceSettings()
    relay = OutboxRelay(pool, ctx.bootstrap, "bench", PlumbingMetrics(),
                        defaults.outbox_poll_seconds, defaults.outbox_batch_size)
    try:
        await migrate(pool)
        count = ctx.sizes.messages
        events = [ctx.sample_event() for _ in range(count)]
        outbox = Outbox(prefix)
        started = time.perf_counter()
        for i in range(0, count, 500):
            async with pool.acquire() as conn, conn.transaction():
                await outbox.add(conn, *events[i:i + 500])
        add_seconds = time.perf_counter() - started
        await relay.start()
        started = time.perf_counter()
        ended = await wait_all_sent(pool, count, within=max(60.0, count / 50))
    finally:
        await relay.stop()
        await pool.close()
    seconds = ended - started
    return [Metric("plumbing.outbox_relay", rate(count, seconds), "msg/s",
                   baseline="floor.raw_produce", target=Target(">=", 0.5, "ratio"),
                   detail={"messages": count, "seconds": seconds,
                           "batch_size": defaults.outbox_batch_size}),
            Metric("plumbing.outbox_add", rate(count, add_seconds), "rows/s",
                   detail={"rows": count, "rows_per_transaction": 500})]
