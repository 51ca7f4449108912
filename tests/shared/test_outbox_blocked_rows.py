"""An outbox row that can never be sent holds back the later rows of its key (per-key order
holds), raises the blocked-rows alert, and every other key goes on. Real broker, real database:
once with a record the producer refuses before sending (larger than its request limit), once
with one the broker refuses (a topic whose max.message.bytes is small)."""

import contextlib
import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from shared.db import create_pool, migrate
from shared.metrics import PlumbingMetrics
from shared.outbox import Outbox, OutboxRelay
from testkit.harness.events import TopicReader, eventually

from contracts import ApplicationWithdrawn

from .conftest import MIGRATIONS, withdrawn


def same_key(*events):
    """Copies of withdrawals that all share the first one's application id (the key)."""
    first = events[0].application_id
    return [e.model_copy(update={"application_id": first}) for e in events]


@contextlib.asynccontextmanager
async def relay_on(settings, metrics):
    pool = await create_pool(settings.database_url)
    await migrate(pool, MIGRATIONS)
    relay = OutboxRelay(pool, settings.kafka_bootstrap_servers, "blocked", metrics,
                        poll_seconds=0.05, alert_after_attempts=2, backoff_base_seconds=0.05,
                        backoff_cap_seconds=0.2)
    try:
        yield pool, relay
    finally:
        await relay.stop()
        await pool.close()


async def add(pool, outbox, *events) -> list[int]:
    async with pool.acquire() as conn, conn.transaction():
        for e in events:
            await outbox.add(conn, e)
    return [await pool.fetchval("SELECT id FROM outbox WHERE event_id = $1", e.event_id)
            for e in events]


def blocked(metrics) -> tuple[float, float]:
    r = metrics.registry
    return (r.get_sample_value("bps_outbox_blocked_rows"),
            r.get_sample_value("bps_outbox_oldest_blocked_seconds"))


def bad_row_and_neighbours() -> tuple[ApplicationWithdrawn, ...]:
    """The row to be made unsendable, its same-key follower, and a row on another key."""
    first, follower = same_key(withdrawn("first"), withdrawn("follower"))
    return first, follower, withdrawn("another application")


async def set_payload(pool, row_id: int, payload: bytes) -> None:
    await pool.execute("UPDATE outbox SET payload = $2 WHERE id = $1", row_id, payload)


def ids_on(reader) -> list[uuid.UUID]:
    return [e.event_id for e in reader.events()]


async def check_blocked_then_released(settings, pool, relay, metrics, topic, bad, ids,
                                      good_payload: bytes):
    first, follower, other = bad
    async with TopicReader(settings.kafka_bootstrap_servers, topic) as reader:
        await relay.start()
        # The other key goes on although the bad row sits before it in the outbox.
        await reader.wait_for(lambda _: other.event_id in ids_on(reader), timeout=30)
        await eventually(lambda: blocked(metrics)[0] == 1, timeout=30)
        row = await pool.fetchrow("SELECT attempts, last_error, sent_at FROM outbox WHERE id = $1",
                                  ids[0])
        assert row["sent_at"] is None and row["attempts"] >= 2
        assert "MessageSizeTooLarge" in row["last_error"] or "TooLarge" in row["last_error"]
        assert blocked(metrics)[1] > 0
        # Its follower has not overtaken it, and is not even tried.
        assert follower.event_id not in ids_on(reader)
        follower_row = await pool.fetchrow("SELECT attempts, sent_at FROM outbox WHERE id = $1",
                                           ids[1])
        assert follower_row["sent_at"] is None

        # An operator repairs the row: it goes, then its follower, in order.
        await set_payload(pool, ids[0], good_payload)
        await reader.wait_for(lambda _: follower.event_id in ids_on(reader), timeout=30)
        order = [i for i in ids_on(reader) if i in (first.event_id, follower.event_id)]
        assert order == [first.event_id, follower.event_id]
        await eventually(lambda: blocked(metrics)[0] == 0, timeout=30)


async def test_a_row_too_large_to_send_holds_back_only_its_own_key_and_raises_the_alert(
        settings):
    metrics = PlumbingMetrics()
    rows = first, _, _ = bad_row_and_neighbours()
    async with relay_on(settings, metrics) as (pool, relay):
        ids = await add(pool, Outbox(settings.topic_prefix), *rows)
        # Over the producer's 1 MiB request limit: refused before anything is sent.
        await set_payload(pool, ids[0], b"x" * 2_000_000)
        await check_blocked_then_released(settings, pool, relay, metrics,
                                          settings.topic(first.TOPIC), rows, ids,
                                          first.to_bytes())


async def test_a_row_the_broker_refuses_holds_back_its_key_while_its_batch_neighbours_go(
        settings):
    topic = f"{settings.topic_prefix}small-records"
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:  # one partition: every key shares it, so they share producer batches too
        await admin.create_topics([NewTopic(topic, 1, 1,
                                            topic_configs={"max.message.bytes": "4000"})])
    finally:
        await admin.close()
    metrics = PlumbingMetrics()
    rows = first, _, _ = bad_row_and_neighbours()
    async with relay_on(settings, metrics) as (pool, relay):
        ids = await add(pool, Outbox(settings.topic_prefix), *rows)
        await pool.execute("UPDATE outbox SET topic = $1", topic)
        # Well under the producer's limit, well over the topic's: the broker refuses it.
        await set_payload(pool, ids[0], b"x" * 20_000)
        await check_blocked_then_released(settings, pool, relay, metrics, topic, rows, ids,
                                          first.to_bytes())
