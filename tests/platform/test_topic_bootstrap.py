"""`python -m bps_local.kafka topics` creates the catalogue explicitly; the broker never
creates topics itself."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.metadata import MetadataRequest
from contracts.topics import DLQ_PARTITIONS, TOPICS

UNKNOWN_TOPIC_OR_PARTITION = 3


async def test_topic_bootstrap_creates_every_topic_and_its_dlq_with_catalogue_partitions(
        kafka_bootstrap, kafka_helpers):
    # Twice: the second run finds everything there and must still succeed.
    for _ in range(2):
        await asyncio.to_thread(kafka_helpers.run_cli, "topics", "--bootstrap", kafka_bootstrap,
                                "--replication", "1")

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        wanted = {t.name: t.partitions for t in TOPICS} | {t.dlq: DLQ_PARTITIONS for t in TOPICS}
        described = {t["topic"]: t for t in await admin.describe_topics(list(wanted))}
    finally:
        await admin.close()
    assert len(wanted) == 2 * len(TOPICS)
    for name, partitions in wanted.items():
        assert described[name]["error_code"] == 0, f"{name} is missing"
        assert len(described[name]["partitions"]) == partitions, name
        assert all(p["leader"] >= 0 for p in described[name]["partitions"]), name


async def test_the_broker_does_not_create_a_topic_when_a_client_asks_for_an_unknown_one(
        kafka_bootstrap):
    name = f"test.never-created.{uuid.uuid4().hex[:8]}"
    client = AIOKafkaClient(bootstrap_servers=kafka_bootstrap)
    await client.bootstrap()
    try:
        # A metadata request that explicitly allows auto creation is exactly how a client
        # would trigger it; the broker must answer "unknown topic" and create nothing.
        node = client.get_random_node()
        asked = await client.send(node, MetadataRequest([name], allow_auto_topic_creation=True))
        answer = {t["topic"]: t["error_code"] for t in asked.to_object()["topics"]}
        assert answer[name] == UNKNOWN_TOPIC_OR_PARTITION
        everything = await client.send(node, MetadataRequest(None))
        assert name not in {t["topic"] for t in everything.to_object()["topics"]}
    finally:
        await client.close()
