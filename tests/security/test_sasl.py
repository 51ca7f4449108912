"""Kafka SASL/SCRAM with a principal per service and ACLs from the topic catalogue, on a
private broker of its own (its own port and data folder; the shared broker is never touched):
each service writes only its own topics, logs in only with its own password, and the services
run unchanged on it given their SASL settings."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError
from applicant.app import build_app
from applicant.config import ApplicantSettings
from bps_local import kafka, kafka_sasl, procs
from shared.kafka import ensure_topics
from testkit.harness.postgres import create_database
from testkit.harness.service import running_service

from tests.security.security_world import consume_until_seen, diplomat_applies

pytestmark = pytest.mark.slow


def free_port_pair() -> int:
    """A port whose neighbour (the controller's) is free too."""
    return procs.free_run(2, range(39700, 39900, 2))


@dataclass
class SaslBroker:
    bootstrap: str
    users: dict[str, str]

    def login(self, user: str, password: str | None = None) -> dict[str, str]:
        return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-256",
                "sasl_plain_username": user,
                "sasl_plain_password": password or self.users[user]}


@pytest.fixture(scope="module")
async def broker(tmp_path_factory) -> AsyncIterator[SaslBroker]:
    port, home = free_port_pair(), tmp_path_factory.mktemp("sasl") / "node"
    try:
        bootstrap = await asyncio.to_thread(kafka.ensure_single, port, home, 240.0, True)
        made = SaslBroker(bootstrap, kafka_sasl.users(kafka.single_node(port, home, sasl=True)))
        await ensure_topics(bootstrap, auth=made.login("admin"))
        yield made
    finally:
        await asyncio.to_thread(kafka.stop_single, port, home)


async def produce(broker: SaslBroker, user: str, topic: str, password: str | None = None):
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True,
                                acks="all", request_timeout_ms=10_000,
                                **broker.login(user, password))
    await producer.start()
    try:
        return await asyncio.wait_for(producer.send_and_wait(topic, b"{}"), 30)
    finally:
        await producer.stop()


async def test_a_service_principal_writes_its_own_topic_and_is_refused_another_services(broker):
    written = await produce(broker, "applicant", "applications")
    assert written.offset >= 0
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(broker, "applicant", "matches")  # matching is the single writer
    assert (await produce(broker, "matching", "matches")).offset >= 0
    # A consumer may dead-letter what it reads, and nothing else.
    assert (await produce(broker, "approval", "matches.dlq")).offset >= 0
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(broker, "approval", "opportunities.dlq")


async def test_a_wrong_password_is_refused(broker):
    with pytest.raises(KafkaError):
        await produce(broker, "applicant", "applications", password="not-the-password")


async def test_a_service_cannot_read_a_topic_it_does_not_consume(broker):
    await produce(broker, "applicant", "applications")
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False,
                                **broker.login("applicant"))
    await consumer.start()
    try:
        mine = TopicPartition("matches", 0)  # read by the applicant service: allowed
        consumer.assign([mine])
        await consumer.seek_to_beginning(mine)
        await consumer.getmany(mine, timeout_ms=2000)
        theirs = TopicPartition("applications", 0)  # its own output, read by others only
        consumer.assign([theirs])
        await consumer.seek_to_beginning(theirs)
        with pytest.raises(TopicAuthorizationFailedError):
            async with asyncio.timeout(30):
                while True:
                    await consumer.getmany(theirs, timeout_ms=1000)
    finally:
        await consumer.stop()


async def test_the_applicant_service_runs_on_the_sasl_broker_as_its_own_principal(broker):
    password = broker.users["applicant"]
    settings = ApplicantSettings(
        kafka_bootstrap_servers=broker.bootstrap, kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="applicant", kafka_sasl_password=password,
        database_url=await create_database("sasl_applicant"), outbox_poll_seconds=0.05,
        environment="test")
    sub = f"sasl-{uuid.uuid4().hex[:8]}"
    async with running_service(build_app, settings) as svc:
        application_id = await diplomat_applies(svc, sub, "Sasl Person", "sasl@fcdo.example")
        # The outbox relay published it as `applicant`; the matching principal reads it.
        consumer = AIOKafkaConsumer("applications", bootstrap_servers=broker.bootstrap,
                                    group_id=f"matching-sasl-{sub}",
                                    auto_offset_reset="earliest", **broker.login("matching"))
        await consume_until_seen(consumer, application_id, timeout=60)
