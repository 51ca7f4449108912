"""Floors: what plain aiokafka and asyncpg do on this machine, with no plumbing in between.

Every later figure is judged against one of these, on the same broker and database in the same
run. Producers use the settings the services use (idempotent, acks=all, linger 2 ms).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from shared.outbox import envelope_headers

from tests.perf.core import Context, Metric, bench, rate

PRODUCER = {"enable_idempotence": True, "acks": "all", "linger_ms": 2}
Record = tuple[bytes, bytes, list]  # key, value, headers


def records(ctx: Context, count: int) -> list[Record]:
    """(key, value, headers) of real ApplicationSubmitted events, as the relay would send them."""
    out = []
    for _ in range(count):
        event = ctx.sample_event()
        headers = [(k, v.encode()) for k, v in envelope_headers(event).items()]
        out.append((event.key().encode(), event.to_bytes(), headers))
    return out


async def produce_all(bootstrap: str, topic: str, batch: list[Record]) -> tuple[int, float]:
    """Send every record, wait for every ack; returns seconds for all but the first few, which go
    one per partition, alone, to warm up metadata, connections and fresh partition leaders."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, client_id="bench-raw", **PRODUCER)
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(topic))
        for p, (key, value, headers) in zip(partitions, batch, strict=False):
            await producer.send_and_wait(topic, value, key=key, headers=headers, partition=p)
        started = time.perf_counter()
        futures = [await producer.send(topic, value, key=key, headers=headers)
                   for key, value, headers in batch[len(partitions):]]
        await asyncio.gather(*futures)
        return len(futures), time.perf_counter() - started
    finally:
        await producer.stop()


async def assigned_consumer(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    """A started consumer holding every partition of `topic` from offset 0. Manual assignment
    (no group join to wait for) so the timing is fetching alone; the group id is for commits."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                group_id=f"bench-{uuid.uuid4().hex[:8]}", fetch_max_wait_ms=50)
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic)
                                                           or await _partitions(consumer, topic))]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    return consumer


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public one
    return consumer._client.cluster.partitions_for_topic(topic) or set()  # noqa: SLF001


@bench("floor.raw_produce", group="floors", smoke=True)
async def raw_produce(ctx: Context) -> list[Metric]:
    """Raw aiokafka produce, idempotent, acks=all, ApplicationSubmitted-sized messages."""
    prefix = await ctx.topics("floors")
    batch = records(ctx, ctx.sizes.messages)
    sent, seconds = await produce_all(ctx.bootstrap, prefix + "applications", batch)
    ctx.state["floors.prefix"] = prefix  # the consume floors read what this one wrote
    size = len(batch[0][1])
    return [Metric("floor.raw_produce", rate(sent, seconds), "msg/s",
                   detail={"messages": sent, "message_bytes": size, "seconds": seconds}),
            Metric("floor.message_size", size, "bytes")]


@bench("floor.raw_consume", group="floors", smoke=True)
async def raw_consume(ctx: Context) -> list[Metric]:
    """Raw aiokafka consume of what raw_produce wrote (new group, from the earliest offset)."""
    prefix = await _filled_prefix(ctx)
    want = ctx.sizes.messages
    consumer = await assigned_consumer(ctx.bootstrap, prefix + "applications")
    try:
        seen, started = 0, time.perf_counter()
        while seen < want:
            batch = await consumer.getmany(timeout_ms=200, max_records=1000)
            seen += sum(len(rs) for rs in batch.values())
        seconds = time.perf_counter() - started
    finally:
        await consumer.stop()
    return [Metric("floor.raw_consume", rate(seen, seconds), "msg/s",
                   detail={"messages": seen, "seconds": seconds})]


@bench("floor.consume_produce_loop", group="floors", smoke=True)
async def consume_produce_loop(ctx: Context) -> list[Metric]:
    """Raw consume -> produce -> commit loop: read a batch, send each, await acks, commit."""
    async def relay(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, topic: str) -> int:
        batch = await consumer.getmany(timeout_ms=200, max_records=500)
        futures = [await producer.send(topic, r.value, key=r.key, headers=list(r.headers))
                   for rs in batch.values() for r in rs]
        if futures:
            await asyncio.gather(*futures)
            await consumer.commit()
        return len(futures)

    seen, seconds = await _relay_until(ctx, "bench-loop", ctx.sizes.messages, relay)
    return [Metric("floor.consume_produce_loop", rate(seen, seconds), "msg/s",
                   detail={"messages": seen, "seconds": seconds, "batch": 500})]


@bench("floor.consume_produce_per_message", group="floors")
async def consume_produce_per_message(ctx: Context) -> list[Metric]:
    """Raw loop one message at a time: consume, send and wait for the ack, commit (info only)."""
    async def relay(consumer: AIOKafkaConsumer, producer: AIOKafkaProducer, topic: str) -> int:
        moved = 0
        for tp, rs in (await consumer.getmany(timeout_ms=200, max_records=1)).items():
            for r in rs:
                await producer.send_and_wait(topic, r.value, key=r.key, headers=list(r.headers))
                await consumer.commit({tp: r.offset + 1})
                moved += 1
        return moved

    want = min(ctx.sizes.messages, 2_000)  # ~ms per message: keep the run short
    seen, seconds = await _relay_until(ctx, "bench-loop1", want, relay)
    return [Metric("floor.consume_produce_per_message", rate(seen, seconds), "msg/s",
                   detail={"messages": seen, "seconds": seconds})]


async def _relay_until(ctx: Context, client_id: str, want: int,
                       relay: Callable[[AIOKafkaConsumer, AIOKafkaProducer, str],
                                       Awaitable[int]]) -> tuple[int, float]:
    """Moves records from the filled `applications` to `matches` with `relay` (which says how
    many it moved) until `want` have moved; returns that count and the seconds it took."""
    prefix = await _filled_prefix(ctx)
    producer = AIOKafkaProducer(bootstrap_servers=ctx.bootstrap, client_id=client_id,
                                **PRODUCER)
    consumer, _ = await asyncio.gather(assigned_consumer(ctx.bootstrap, prefix + "applications"),
                                       producer.start())
    try:
        await producer.send_and_wait(prefix + "matches", b"warm-up")
        seen, started = 0, time.perf_counter()
        while seen < want:
            seen += await relay(consumer, producer, prefix + "matches")
        return seen, time.perf_counter() - started
    finally:
        await asyncio.gather(consumer.stop(), producer.stop())


@bench("floor.pg_insert_tx", group="floors", smoke=True)
async def pg_insert_tx(ctx: Context) -> list[Metric]:
    """Raw asyncpg: single-row INSERT transactions, one after another on one connection."""
    conn = await asyncpg.connect(await ctx.database("floor"))
    try:
        await conn.execute("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, event_id UUID NOT NULL,"
                           " detail TEXT NOT NULL)")
        ids = [uuid.uuid4() for _ in range(ctx.sizes.db_inserts)]
        started = time.perf_counter()
        for event_id in ids:
            async with conn.transaction():
                await conn.execute("INSERT INTO t (event_id, detail) VALUES ($1, $2)",
                                   event_id, "bench")
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return [Metric("floor.pg_insert_tx", rate(len(ids), seconds), "tx/s",
                   detail={"transactions": len(ids), "seconds": seconds})]


async def _filled_prefix(ctx: Context) -> str:
    """The floors' topics, filled by raw_produce (run it first if --only skipped it)."""
    if "floors.prefix" not in ctx.state:
        await raw_produce(ctx)
    return ctx.state["floors.prefix"]
