"""Kafka wiring: the FastStream broker, the raw producer the outbox relay and dead letters use,
and admin and consumer clients. Each takes ServiceSettings.kafka_auth(), so PLAINTEXT, SSL,
SASL_PLAINTEXT and SASL_SSL reach every client alike.

Both producers are idempotent with acks=all: a retried send never duplicates or reorders
records within a partition.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from contracts.topics import DLQ_PARTITIONS, TOPICS
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

PRODUCER_SAFETY = {"enable_idempotence": True, "acks": "all"}


def make_broker(bootstrap_servers: str, client_id: str,
                auth: dict[str, Any] | None = None, **kwargs) -> KafkaBroker:
    """The FastStream broker a service app subscribes with (consumers commit manually).
    `auth` is ServiceSettings.kafka_auth()."""
    # FastStream takes a str as ONE address; a cluster's "a:1,b:2,c:3" must become a list.
    servers = [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
    return KafkaBroker(servers, client_id=client_id, **PRODUCER_SAFETY,
                       request_timeout_ms=15_000, security=broker_security(auth or {}),
                       **kwargs)


def broker_security(auth: dict[str, Any]) -> BaseSecurity | None:
    """FastStream's form of the aiokafka security options (ServiceSettings.kafka_auth())."""
    protocol = auth.get("security_protocol", "PLAINTEXT")
    context = auth.get("ssl_context")
    if protocol.endswith("SSL") and context is None:
        # aiokafka would only fail later, at start, with a less helpful message.
        raise ValueError(f"security_protocol {protocol} needs an ssl_context "
                         "(ServiceSettings.kafka_auth() builds one from kafka_ssl_cafile)")
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    if not protocol.startswith("SASL"):
        return None
    kinds = {"SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    kind = kinds[auth["sasl_mechanism"]]
    return kind(auth["sasl_plain_username"], auth["sasl_plain_password"],
                ssl_context=context, use_ssl=protocol == "SASL_SSL")


def make_producer(bootstrap_servers: str, client_id: str, **kwargs) -> AIOKafkaProducer:
    """An idempotent acks=all producer; kwargs include ServiceSettings.kafka_auth()."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap_servers, client_id=client_id,
                            **PRODUCER_SAFETY, linger_ms=kwargs.pop("linger_ms", 2),
                            request_timeout_ms=kwargs.pop("request_timeout_ms", 15_000),
                            **kwargs)


def make_admin(bootstrap_servers: str, client_id: str = "bps-admin",
               auth: dict[str, Any] | None = None, **kwargs) -> AIOKafkaAdminClient:
    """An admin client speaking the broker's security protocol (`auth` as for make_broker)."""
    return AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id=client_id,
                               **(auth or {}), **kwargs)


def make_consumer(*topics: str, bootstrap_servers: str, auth: dict[str, Any] | None = None,
                  **kwargs) -> AIOKafkaConsumer:
    """A plain consumer (tools, tests) speaking the broker's security protocol."""
    return AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap_servers, **(auth or {}),
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
