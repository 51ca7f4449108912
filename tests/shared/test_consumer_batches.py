"""A batch of records is applied in one transaction; one bad record sends the batch through
the record-by-record path, so its neighbours still take effect exactly once, in order."""

from shared.consumer import current_message
from shared.dlq import FailedMessage
from shared.service import run_service
from testkit.harness.events import TopicReader, eventually, publish

from contracts import ApplicationWithdrawn
from shared import inbox

from .conftest import MIGRATIONS, withdrawn


def records(topic: str, *values: bytes) -> list[FailedMessage]:
    return [FailedMessage(topic=topic, partition=0, offset=i, key=b"k", value=v)
            for i, v in enumerate(values)]


def consumer_of(runtime, fail_on: str | None = None, seen: list | None = None):
    async def handle(conn, event: ApplicationWithdrawn):
        if event.reason == fail_on:
            raise RuntimeError("handler always fails for this one")
        if seen is not None:
            seen.append((current_message.get().offset, event.reason))
        await conn.execute("INSERT INTO effects (event_id, detail) VALUES ($1, $2)",
                           event.event_id, event.reason)

    return runtime.consumer("batch").on(ApplicationWithdrawn, handle)


async def effects(runtime) -> list[str]:
    return [r["detail"] for r in await runtime.pool.fetch("SELECT detail FROM effects ORDER BY id")]


async def test_a_batch_with_repeats_applies_each_event_once_in_order_and_counts_the_repeats(
        settings):
    a, b, c = withdrawn("a"), withdrawn("b"), withdrawn("c")
    seen: list = []
    async with run_service(settings, MIGRATIONS, lambda rt: _nothing()) as runtime:
        consumer = consumer_of(runtime, seen=seen)
        topic = settings.topic("applications")
        first = await consumer.process_batch(records(topic, *(e.to_bytes() for e in (a, b, a, c))))
        again = await consumer.process_batch(records(topic, b.to_bytes(), c.to_bytes()))
        assert await effects(runtime) == ["a", "b", "c"]
        async with runtime.pool.acquire() as conn:
            assert await inbox.duplicates_seen(conn, "batch") == 3
    assert first == ["applied", "applied", "duplicate", "applied"]
    assert again == ["duplicate", "duplicate"]
    assert seen == [(0, "a"), (1, "b"), (3, "c")]  # handlers see their own record's position


async def test_one_failing_record_is_dead_lettered_and_its_neighbours_still_apply(settings):
    topic = settings.topic("applications")
    batch = records(topic, withdrawn("before").to_bytes(), b"{not json",
                    withdrawn("poison").to_bytes(), withdrawn("after").to_bytes())
    async with run_service(settings, MIGRATIONS, lambda rt: _nothing()) as runtime:
        async with TopicReader(settings.kafka_bootstrap_servers, topic + ".dlq") as dlq:
            outcomes = await consumer_of(runtime, fail_on="poison").process_batch(batch)
            letters = await dlq.wait_for(lambda rs: len(rs) >= 2, timeout=30)
        assert await effects(runtime) == ["before", "after"]
    assert outcomes == ["applied", "dead_lettered", "dead_lettered", "applied"]
    assert [dict(r.headers)["x-dlq-reason"] for r in letters] == [b"invalid_message",
                                                                  b"handler_failed"]


async def test_a_burst_on_the_topic_is_consumed_in_batches_each_taking_effect_once(settings):
    burst = [withdrawn(f"n{i}") for i in range(300)]

    def wire(runtime):
        consumer_of(runtime).attach(runtime.broker, *runtime.topics("applications"))
        return _nothing()

    async with run_service(settings, MIGRATIONS, wire) as runtime:
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, *burst, *burst[:50])
        await eventually(lambda: _duplicates(runtime, 50), timeout=60)
        assert sorted(await effects(runtime)) == sorted(e.reason for e in burst)
        transactions = await runtime.pool.fetchval(
            "SELECT count(DISTINCT received_at) FROM inbox WHERE consumer = 'batch'")
    assert transactions < len(burst) / 2  # inbox rows of one transaction share now()


async def _duplicates(runtime, expected: int) -> bool:
    async with runtime.pool.acquire() as conn:
        return await inbox.duplicates_seen(conn, "batch") == expected


async def _nothing():
    return None
