"""Three real brokers, RF 3, min.insync.replicas 2: SIGKILL one mid-stream and lose nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

MESSAGES = 10_000
KILL_AFTER = 3_000  # acknowledged messages before the kill
IN_FLIGHT = 200  # sends awaited together, so the kill lands while records are in flight


@pytest.fixture
def cluster(kafka_helpers):
    """The three-node cluster, started through the CLI and always stopped afterwards."""
    try:
        done = kafka_helpers.run_cli("cluster", "start", timeout=180)
        yield done.stdout.strip().splitlines()[-1]
    finally:
        kafka_helpers.run_cli("cluster", "stop", timeout=90)


async def _leader_of(producer: AIOKafkaProducer, topic: str, partition: int) -> int:
    await producer.client.force_metadata_update()
    return producer.client.cluster.leader_for_partition(TopicPartition(topic, partition))


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_no_acknowledged_message_is_lost_when_a_partition_leader_is_killed(
        cluster, kafka_helpers, kafka_cli):
    topic = await kafka_helpers.create_topic(cluster, kafka_helpers.unique_topic("fault"),
                                             partitions=3, replication=3,
                                             configs={"min.insync.replicas": "2"})
    producer = AIOKafkaProducer(bootstrap_servers=cluster, acks="all", enable_idempotence=True,
                                linger_ms=5, request_timeout_ms=15_000, retry_backoff_ms=200)
    await producer.start()
    acknowledged: set[int] = set()
    victim = None
    killed_at = resent = 0.0
    try:
        pending = list(range(MESSAGES))
        deadline = time.monotonic() + 180
        while pending:
            assert time.monotonic() < deadline, f"{len(pending)} messages never acknowledged"
            failed: list[int] = []
            for start in range(0, len(pending), IN_FLIGHT):
                chunk = pending[start:start + IN_FLIGHT]
                futures = [await producer.send(topic, str(i).encode(), key=str(i).encode())
                           for i in chunk]
                if victim is None and len(acknowledged) >= KILL_AFTER:
                    # Kill while this chunk is in flight: its records are not acknowledged yet.
                    victim = await _leader_of(producer, topic, 0)
                    pids = kafka_cli.cluster_pids()
                    assert set(pids) == {1, 2, 3}, f"expected three live nodes, got {pids}"
                    os.kill(pids[victim], signal.SIGKILL)
                    killed_at = time.monotonic()
                results = await asyncio.gather(*futures, return_exceptions=True)
                for i, result in zip(chunk, results, strict=True):
                    if isinstance(result, KafkaError | asyncio.TimeoutError):
                        failed.append(i)  # not acknowledged: send it again below
                    elif isinstance(result, BaseException):
                        raise result
                    else:
                        acknowledged.add(i)
            resent += len(failed)
            pending = failed
    finally:
        await producer.stop()

    assert victim is not None
    print(f"killed node {victim}; all {MESSAGES} acknowledged {time.monotonic() - killed_at:.1f}s "
          f"later; {resent:.0f} sends failed and were sent again")
    assert len(acknowledged) == MESSAGES
    assert victim not in kafka_cli.cluster_pids(), "the killed broker stayed dead"
    # Leadership of partition 0 moved to a survivor, which still has the data.
    seen: set[int] = set()
    consumer = AIOKafkaConsumer(bootstrap_servers=cluster, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        async with asyncio.timeout(90):
            while not acknowledged <= seen:
                batch = await consumer.getmany(timeout_ms=500)
                seen.update(int(r.value) for records in batch.values() for r in records)
    except TimeoutError:
        pass  # reported by the assertion below with the missing ids
    finally:
        await consumer.stop()
    missing = sorted(acknowledged - seen)
    assert not missing, f"{len(missing)} acknowledged messages lost, e.g. {missing[:10]}"
