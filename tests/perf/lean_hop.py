"""The lean hop: the durable work of one service hop, written as plainly as asyncpg and aiokafka
allow (no FastStream, no pydantic, no shared.service), as the baseline `plumbing.service_hop`
is judged against.

Per polled batch (same size and poll wait as the services' consumers): parse the JSON, one
transaction with the inbox rows (the same statement as `shared.inbox.record_many`), one effect
row per event and one outbox row per follow-on event (`shared.outbox.INSERT_SQL`), commit, then
commit the offsets. A relay task in the same process (as in a service) publishes the outbox in
id order with the services' producer settings (`shared.kafka.make_producer`: idempotent,
acks=all, linger 2 ms), waits for every ack and marks the rows sent. What it leaves out is what
the plumbing adds beyond that: validation into models, tracing, metrics, retries and dead
letters, the advisory lock and per-key waves of the relay, and the NOTIFY wake-up (the lean
relay is woken in-process).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import asyncpg
from aiokafka import AIOKafkaConsumer
from shared.db import shared_migrations
from shared.inbox import record_many
from shared.kafka import make_producer
from shared.outbox import INSERT_SQL
from shared.settings import ServiceSettings

from tests.perf import latency
from tests.perf.core import Context, Metric, bench, rate
from tests.perf.floors import produce_all, records

EFFECTS = Path(__file__).parent / "migrations" / "001_effects.sql"
# The same tables and indexes as every service's (not the NOTIFY trigger: woken in-process).
SCHEMA = ("001_outbox_inbox.sql", "003_outbox_blocked_rows.sql", "005_inbox_received_at.sql")
SELECT_UNSENT = ("SELECT id, topic, key, payload, headers FROM outbox WHERE sent_at IS NULL"
                 " ORDER BY id LIMIT $1")
MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])"
CONSUMER = "lean"
EFFECT_SQL = "INSERT INTO bench_effects (event_id, detail) VALUES ($1, $2)"


class FollowOn:
    """Builds a follow-on event's JSON from a template dict (a real MatchProposed's fields)."""

    def __init__(self, template: bytes, topic: str) -> None:
        self.template = json.loads(template)
        self.topic = topic

    def row(self, cause: dict) -> tuple:
        event = {**self.template, "event_id": str(uuid.uuid4()), "match_id": str(uuid.uuid4()),
                 "application_id": cause["application_id"],
                 "correlation_id": cause["correlation_id"], "causation_id": cause["event_id"]}
        headers = {"event_type": event["event_type"],
                   "schema_version": str(event["schema_version"]),
                   "correlation_id": event["correlation_id"], "producer": event["producer"],
                   "content-type": "application/json", "causation_id": event["causation_id"]}
        return (uuid.UUID(event["event_id"]), self.topic, event["application_id"],
                event["event_type"], json.dumps(event).encode(), json.dumps(headers))


async def lean_schema(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for name in SCHEMA:
            await conn.execute((shared_migrations() / name).read_text())
        await conn.execute(EFFECTS.read_text())
    finally:
        await conn.close()


async def apply_batch(pool: asyncpg.Pool, recs: list, follow: FollowOn,
                      per_event: bool = False) -> None:
    """Inbox + effects + outbox for one polled batch, in one transaction. `per_event`: one
    effect statement per event, awaited in turn, as a handler called per event writes it."""
    events = [(json.loads(r.value), r.topic) for r in recs]
    async with pool.acquire() as conn, conn.transaction():
        fresh = await record_many(conn, CONSUMER,
                                  [(uuid.UUID(e["event_id"]), t) for e, t in events])
        new = [e for e, _ in events if uuid.UUID(e["event_id"]) in fresh]
        effects = [(uuid.UUID(e["event_id"]), e["applicant_id"]) for e in new]
        if per_event:
            for args in effects:
                await conn.execute(EFFECT_SQL, *args)
        elif effects:
            await conn.executemany(EFFECT_SQL, effects)
        if new:
            await conn.executemany(INSERT_SQL, [follow.row(e) for e in new])


async def consume(consumer: AIOKafkaConsumer, pool: asyncpg.Pool, follow: FollowOn,
                  wake: asyncio.Event, want: int, marks: dict[str, float],
                  per_event: bool = False) -> None:
    """One transaction and one offset commit per poll, whatever partitions it spans (as the
    services' batch consumers do)."""
    settings = ServiceSettings()
    done = 0
    while done < want:
        polled = await consumer.getmany(timeout_ms=settings.consumer_batch_wait_ms,
                                        max_records=settings.consumer_batch_size)
        recs = [r for rs in polled.values() for r in rs]
        if not recs:
            continue
        marks.setdefault("first", time.perf_counter())
        await apply_batch(pool, recs, follow, per_event)
        await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in polled.items() if rs})
        done += len(recs)
        wake.set()


async def relay(pool: asyncpg.Pool, producer, wake: asyncio.Event, batch: int) -> None:
    """Publish unsent rows in id order, wait for the acks, mark them sent; sleep until woken."""
    while True:
        wake.clear()
        async with pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(SELECT_UNSENT, batch)
            futures = [await producer.send(r["topic"], r["payload"], key=r["key"].encode(),
                                           headers=[(k, v.encode()) for k, v in
                                                    json.loads(r["headers"]).items()])
                       for r in rows]
            await asyncio.gather(*futures)
            await conn.execute(MARK_SENT, [r["id"] for r in rows])
        if len(rows) < batch:
            await wake.wait()


async def wait_sent(pool: asyncpg.Pool, count: int, within: float) -> float:
    deadline = time.monotonic() + within
    while (sent := await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
           ) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"lean hop: only {sent} of {count} rows sent in {within:.0f}s")
        await asyncio.sleep(0.02)
    return time.perf_counter()


async def run_lean_hop(ctx: Context, count: int, per_event: bool = False) -> tuple[float, dict]:
    prefix = await ctx.topics("leanhop")
    dsn = await ctx.database("leanhop")
    await lean_schema(dsn)
    await produce_all(ctx.bootstrap, prefix + "applications", records(ctx, count))
    follow = FollowOn(_match_proposed(ctx), prefix + "matches")
    settings = ServiceSettings()
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=settings.db_pool_max)
    producer = make_producer(ctx.bootstrap, client_id="lean-outbox")
    consumer = AIOKafkaConsumer(prefix + "applications", bootstrap_servers=ctx.bootstrap,
                                group_id=f"lean-{ctx.run_id}", enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await asyncio.gather(producer.start(), consumer.start())
    wake, marks = asyncio.Event(), {}
    relaying = asyncio.create_task(relay(pool, producer, wake, settings.outbox_batch_size))
    try:
        await consume(consumer, pool, follow, wake, count, marks, per_event)
        ended = await wait_sent(pool, count, within=max(60.0, count / 20))
        effects = await pool.fetchval("SELECT count(*) FROM bench_effects")
    finally:
        relaying.cancel()
        await asyncio.gather(relaying, return_exceptions=True)
        await asyncio.gather(consumer.stop(), producer.stop())
        await pool.close()
    seconds = ended - marks["first"]
    return rate(count, seconds), {"events": count, "effects": effects, "seconds": seconds,
                                  "batch": settings.consumer_batch_size}


def _match_proposed(ctx: Context) -> bytes:
    # The hop's own follow-on event as the template; imported here so that importing this
    # module registers lean.hop before plumbing.service_hop, which is judged against it.
    from tests.perf.plumbing import follow_on

    return follow_on(ctx.sample_event()).to_bytes()


async def lean_hop_latency(ctx: Context, count: int, every: float = 0.02) -> list[float]:
    """Seconds from an event's send to its follow-on's send by the lean relay, one event
    every `every` seconds (far below saturation): what one hop adds to a journey."""
    prefix = await ctx.topics("leanlat")
    dsn = await ctx.database("leanlat")
    await lean_schema(dsn)
    follow = FollowOn(_match_proposed(ctx), prefix + "matches")
    settings = ServiceSettings()
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=settings.db_pool_max)
    producer = make_producer(ctx.bootstrap, client_id="lean-outbox")
    source = make_producer(ctx.bootstrap, client_id="lean-source")
    consumer = AIOKafkaConsumer(prefix + "applications", bootstrap_servers=ctx.bootstrap,
                                group_id=f"leanlat-{ctx.run_id}", enable_auto_commit=False,
                                auto_offset_reset="earliest")
    watcher = AIOKafkaConsumer(prefix + "matches", bootstrap_servers=ctx.bootstrap,
                               auto_offset_reset="earliest", group_id=None)
    await asyncio.gather(producer.start(), source.start(), consumer.start(), watcher.start())
    wake, sent_at = asyncio.Event(), {}
    tasks = [asyncio.create_task(relay(pool, producer, wake, settings.outbox_batch_size)),
             asyncio.create_task(consume(consumer, pool, follow, wake, count + 5, {}))]
    try:
        await _assigned(consumer)
        for key, value, headers in records(ctx, count + 5):  # the first 5 warm up
            now = time.time()
            sent_at[json.loads(value)["event_id"]] = now
            await source.send_and_wait(prefix + "applications", value, key=key,
                                       headers=headers, timestamp_ms=int(now * 1000))
            await asyncio.sleep(every)
        return await _follow_ons(watcher, sent_at, count + 5)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(consumer.stop(), watcher.stop(), producer.stop(), source.stop())
        await pool.close()


async def _assigned(consumer: AIOKafkaConsumer, within: float = 60.0) -> None:
    """The group join takes seconds: events sent before it would time the join, not a hop."""
    deadline = time.monotonic() + within
    while not consumer.assignment():
        if time.monotonic() > deadline:
            raise TimeoutError("lean hop latency: the consumer got no partitions")
        await asyncio.sleep(0.05)


async def _follow_ons(watcher: AIOKafkaConsumer, sent_at: dict[str, float], want: int,
                      within: float = 60.0) -> list[float]:
    seen: dict[str, float] = {}
    deadline = time.monotonic() + within
    while len(seen) < want and time.monotonic() < deadline:
        for recs in (await watcher.getmany(timeout_ms=200)).values():
            for r in recs:
                cause = json.loads(r.value)["causation_id"]
                seen[cause] = r.timestamp / 1000 - sent_at[cause]
    ordered = [seen[e] for e in sent_at if e in seen]
    return ordered[5:]


@bench("lean.hop", group="lean", smoke=True)
async def lean_hop(ctx: Context) -> list[Metric]:
    """Lean hop: plain asyncpg + aiokafka doing the hop's durable work (the hop's baseline)."""
    value, detail = await run_lean_hop(ctx, ctx.sizes.hop_events)
    h = latency.histogram()
    for seconds in await lean_hop_latency(ctx, 20 if ctx.sizes.quick else 200):
        latency.record_seconds(h, seconds)
    out = [Metric("lean.hop", value, "events/s", detail=detail),
           *latency.percentile_metrics("lean.hop_latency", h, every_s=0.02)]
    if not ctx.sizes.quick:  # information: one effect statement per event, as a handler does
        per_event, per_event_detail = await run_lean_hop(ctx, ctx.sizes.hop_events, True)
        out.append(Metric("lean.hop_statement_per_event", per_event, "events/s",
                          baseline="lean.hop", detail=per_event_detail))
    return out
