"""`python -m bps_local.kafka topics` creates the catalogue explicitly, with each topic's
retention and the configured replication and min.insync.replicas; the broker never creates
topics itself."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.metadata import MetadataRequest
from contracts.topics import (
    DAY_MS,
    DLQ_PARTITIONS,
    DLQ_RETENTION_MS,
    PARTITIONS,
    RETENTION_MS,
    TOPICS,
)
from pydantic import ValidationError
from shared.kafka import topic_layout
from shared.settings import TopicSettings

UNKNOWN_TOPIC_OR_PARTITION = 3


async def test_topic_bootstrap_creates_every_topic_and_its_dlq_with_catalogue_partitions(
        kafka_bootstrap, kafka_helpers):
    prefix = f"test.bootstrap.{uuid.uuid4().hex[:8]}."
    # A topic an older catalogue made (1 hour retention) gets today's configs.
    await kafka_helpers.create_topic(kafka_bootstrap, prefix + "applications",
                                     configs={"retention.ms": "3600000"})
    # Twice: the second run finds everything there and must still succeed. The bootstrap list
    # names the one broker three times: the replication factor must still be the configured
    # one (1), never guessed from the number of addresses.
    for _ in range(2):
        await asyncio.to_thread(kafka_helpers.run_cli, "topics", "--prefix", prefix,
                                "--bootstrap", ",".join([kafka_bootstrap] * 3))

    wanted = topic_layout(TopicSettings(), prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics(list(wanted))}
        configs = await topic_configs(admin, list(wanted))
    finally:
        await admin.close()
    assert len(wanted) == 2 * len(TOPICS)
    for name, layout in wanted.items():
        assert described[name]["error_code"] == 0, f"{name} is missing"
        partitions = described[name]["partitions"]
        # The one made before keeps its 3 partitions: adding some would move keys.
        assert len(partitions) == (3 if name == prefix + "applications"
                                   else layout.partitions), name
        assert all(p["leader"] >= 0 and len(p["replicas"]) == 1 for p in partitions), name
        assert {k: configs[name][k] for k in layout.configs} == layout.configs, name
    assert configs[prefix + "applications"]["retention.ms"] == str(RETENTION_MS)
    assert configs[prefix + "applications.dlq"]["retention.ms"] == str(DLQ_RETENTION_MS)


async def topic_configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict]:
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name) for name in names])
    return {name: {entry[0]: entry[1] for entry in entries}
            for response in responses for _, _, _, name, entries in response.resources}


def test_the_topic_layout_takes_the_catalogue_and_the_configured_cluster_choices() -> None:
    layout = topic_layout(TopicSettings(replication_factor=3, min_insync_replicas=2,
                                        partitions=None), "p.")
    assert layout["p.applications"].partitions == PARTITIONS == 12
    assert layout["p.applications.dlq"].partitions == DLQ_PARTITIONS
    assert layout["p.matches"].configs == {"retention.ms": str(7 * DAY_MS),
                                           "cleanup.policy": "delete",
                                           "min.insync.replicas": "2"}
    assert layout["p.matches.dlq"].configs["retention.ms"] == str(30 * DAY_MS)
    with pytest.raises(ValidationError, match="exceeds replication_factor"):
        TopicSettings(replication_factor=1, min_insync_replicas=2)


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
