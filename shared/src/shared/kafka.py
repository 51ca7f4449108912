"""Kafka wiring: the FastStream broker and the raw producer the outbox relay uses.

Both producers are idempotent with acks=all: a retried send never duplicates or reorders
records within a partition.
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from contracts.topics import DLQ_PARTITIONS, TOPICS
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

PRODUCER_SAFETY = {"enable_idempotence": True, "acks": "all"}


def make_broker(bootstrap_servers: str, client_id: str,
                auth: dict[str, str] | None = None, **kwargs) -> KafkaBroker:
    """The FastStream broker a service app subscribes with (consumers commit manually).
    `auth` is ServiceSettings.kafka_auth()."""
    # FastStream takes a str as ONE address; a cluster's "a:1,b:2,c:3" must become a list.
    servers = [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
    return KafkaBroker(servers, client_id=client_id, **PRODUCER_SAFETY,
                       request_timeout_ms=15_000, security=broker_security(auth or {}),
                       **kwargs)


def broker_security(auth: dict[str, str]) -> BaseSecurity | None:
    """FastStream's form of the aiokafka security options."""
    protocol = auth.get("security_protocol", "PLAINTEXT")
    if not protocol.startswith("SASL"):
        return None
    kinds = {"SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    kind = kinds[auth["sasl_mechanism"]]
    return kind(auth["sasl_plain_username"], auth["sasl_plain_password"],
                use_ssl=protocol == "SASL_SSL")


def make_producer(bootstrap_servers: str, client_id: str, **kwargs) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap_servers, client_id=client_id,
                            **PRODUCER_SAFETY, linger_ms=kwargs.pop("linger_ms", 2),
                            request_timeout_ms=kwargs.pop("request_timeout_ms", 15_000),
                            **kwargs)


async def ensure_topics(bootstrap_servers: str, prefix: str = "", replication: int = 1) -> None:
    """Create every catalogue topic and DLQ under a prefix; existing ones are left alone."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(prefix + t.name, t.partitions, replication) for t in TOPICS]
        wanted += [NewTopic(prefix + t.dlq, DLQ_PARTITIONS, replication) for t in TOPICS]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another process won the race; the topic is there, which is all we need
    finally:
        await admin.close()
