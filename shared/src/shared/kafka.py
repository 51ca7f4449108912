"""Kafka wiring: the FastStream broker and the raw producer the outbox relay uses.

Both producers are idempotent with acks=all: a retried send never duplicates or reorders
records within a partition.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaTimeoutError, TopicAlreadyExistsError, for_code
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


async def ensure_topics(bootstrap_servers: str, prefix: str = "", replication: int = 1, *,
                        auth: dict[str, str] | None = None,
                        timeout: float = 120.0) -> dict[str, str]:
    """Create every catalogue topic and its .dlq twin under `prefix` (existing ones are left
    alone) and wait until every partition has a leader, so producers can use them at once.
    The one topic bootstrap: tests, fault runs and `python -m bps_local.kafka topics` call it.
    `auth`: aiokafka security options (the admin of a SASL broker). `timeout` is generous: a
    shared broker holding thousands of test topics on a loaded machine has taken over 60 s to
    elect leaders. Returns name -> "created" or "exists"."""
    wanted = {prefix + t.name: t.partitions for t in TOPICS}
    wanted |= {prefix + t.dlq: DLQ_PARTITIONS for t in TOPICS}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers,
                                request_timeout_ms=int(timeout * 1000), **(auth or {}))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        result = {name: "exists" for name in wanted if name in existing}
        missing = [NewTopic(name, parts, replication) for name, parts in wanted.items()
                   if name not in existing]
        if missing:
            response = await admin.create_topics(missing, timeout_ms=int(timeout * 1000))
            for name, code, *rest in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):  # lost a race: it is there
                    raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")
                result[name] = "created" if code == 0 else "exists"
        await _wait_for_leaders(admin, wanted, timeout)
    finally:
        await admin.close()
    return result


async def _wait_for_leaders(admin: AIOKafkaAdminClient, wanted: dict[str, int],
                            timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        described = {t["topic"]: t for t in await admin.describe_topics(list(wanted))}
        not_ready = sorted(
            name for name, parts in wanted.items()
            if len(described.get(name, {}).get("partitions", ())) < parts
            or any(p["leader"] < 0 for p in described[name]["partitions"]))
        if not not_ready:
            return
        if time.monotonic() > deadline:
            raise KafkaTimeoutError(f"topics without a leader after {timeout:.0f}s: "
                                    f"{not_ready[:5]}")
        await asyncio.sleep(0.1)
