"""Delivery guarantees the services rely on, checked against the real broker."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


async def read_values(bootstrap: str, topic: str, want: int, within: float = 30.0,
                      **consumer_options) -> list[bytes]:
    """Read a topic from the start until `want` records arrived (or fail after `within` s)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, **consumer_options)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)
                      or await _partitions(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        values: list[bytes] = []
        async with asyncio.timeout(within):
            while len(values) < want:
                batch = await consumer.getmany(timeout_ms=500)
                values += [r.value for records in batch.values() for r in records]
        return values
    finally:
        await consumer.stop()


async def records_in_log(bootstrap: str, topic: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await _partitions(consumer, topic)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - aiokafka has no public call
    return consumer.partitions_for_topic(topic) or set()


async def test_a_message_makes_a_round_trip_through_a_consumer_group(kafka_bootstrap,
                                                                     kafka_helpers):
    topic = await kafka_helpers.create_topic(kafka_bootstrap, kafka_helpers.unique_topic("rt"))
    group = f"test-group-{uuid.uuid4().hex[:8]}"
    sent = [f"hello-{i}".encode() for i in range(30)]

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for i, value in enumerate(sent):
            await producer.send_and_wait(topic, value, key=str(i % 5).encode())
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, group_id=group,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        got: list[bytes] = []
        async with asyncio.timeout(30):
            while len(got) < len(sent):
                batch = await consumer.getmany(timeout_ms=500)
                got += [r.value for records in batch.values() for r in records]
        await consumer.commit()
        assert sorted(got) == sorted(sent)
        committed = {tp: await consumer.committed(tp) for tp in consumer.assignment()}
        assert sum(committed.values()) == len(sent), "the group committed every offset it read"
    finally:
        await consumer.stop()


async def test_an_idempotent_producer_with_acks_all_delivers_each_message_exactly_once(
        kafka_bootstrap, kafka_helpers):
    topic = await kafka_helpers.create_topic(kafka_bootstrap, kafka_helpers.unique_topic("idem"))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all",
                                enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, f"m-{i}".encode(), key=str(i % 7).encode())
                   for i in range(2_000)]
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    assert len({(m.partition, m.offset) for m in metas}) == 2_000

    assert await records_in_log(kafka_bootstrap, topic) == 2_000, "no duplicate was written"
    values = await read_values(kafka_bootstrap, topic, want=2_000)
    assert sorted(values) == sorted(f"m-{i}".encode() for i in range(2_000))


async def test_a_read_committed_consumer_sees_committed_transactions_but_never_aborted_ones(
        kafka_bootstrap, kafka_helpers):
    topic = await kafka_helpers.create_topic(kafka_bootstrap, kafka_helpers.unique_topic("txn"),
                                             partitions=1)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap,
                                transactional_id=f"test-txn-{uuid.uuid4().hex[:8]}")
    await producer.start()
    try:
        await producer.begin_transaction()
        for i in range(10):
            await producer.send(topic, f"aborted-{i}".encode())
        await producer.flush()
        await producer.abort_transaction()

        async with producer.transaction():
            for i in range(10):
                await producer.send(topic, f"committed-{i}".encode())
    finally:
        await producer.stop()

    # The aborted records sit before the committed ones, so reading all committed ones means the
    # consumer went past every aborted record.
    committed = await read_values(kafka_bootstrap, topic, want=10,
                                  isolation_level="read_committed")
    assert committed == [f"committed-{i}".encode() for i in range(10)]

    everything = await read_values(kafka_bootstrap, topic, want=20,
                                   isolation_level="read_uncommitted")
    assert {v for v in everything if v.startswith(b"aborted-")}, \
        "the aborted records are in the log; read_committed filtered them out"
