"""Kafka wiring: the FastStream broker, the raw producer the outbox relay and dead letters use,
and admin and consumer clients. Each takes ServiceSettings.kafka_auth(), so PLAINTEXT, SSL,
SASL_PLAINTEXT and SASL_SSL reach every client alike.

Both producers are idempotent with acks=all: a retried send never duplicates or reorders
records within a partition.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaTimeoutError, TopicAlreadyExistsError, for_code
from contracts.topics import DLQ_PARTITIONS, DLQ_RETENTION_MS, TOPICS
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

from shared.settings import TopicSettings

PRODUCER_SAFETY = {"enable_idempotence": True, "acks": "all"}


class TopicLayout(NamedTuple):
    partitions: int
    configs: dict[str, str]


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


def topic_layout(settings: TopicSettings, prefix: str = "") -> dict[str, TopicLayout]:
    """Every catalogue topic and its .dlq twin under `prefix`: partitions (the catalogue's, or
    the settings' override for main topics) and the topic configs the bootstrap sets."""
    def configs(retention_ms: int) -> dict[str, str]:
        return {"retention.ms": str(retention_ms), "cleanup.policy": "delete",
                "min.insync.replicas": str(settings.min_insync_replicas)}

    layout = {}
    for t in TOPICS:
        layout[prefix + t.name] = TopicLayout(settings.partitions or t.partitions,
                                              configs(t.retention_ms))
        layout[prefix + t.dlq] = TopicLayout(DLQ_PARTITIONS, configs(DLQ_RETENTION_MS))
    return layout


async def ensure_topics(bootstrap_servers: str, prefix: str = "",
                        settings: TopicSettings | None = None, *,
                        auth: dict[str, Any] | None = None,
                        timeout: float = 120.0) -> dict[str, str]:
    """Create every catalogue topic and its .dlq twin under `prefix` with the replication,
    min.insync.replicas and partitions of `settings` (TopicSettings(), i.e. the BPS_TOPIC_*
    environment, when None) and each topic's retention, and wait until every partition has a
    leader, so producers can use them at once. A topic that exists gets the same configs
    again; its partitions are left alone (adding some would move keys). The one topic
    bootstrap: tests, fault runs, Docker Compose and `python -m bps_local.kafka topics` call it.
    `auth`: aiokafka security options (the admin of a SASL broker). `timeout` is generous: a
    shared broker holding thousands of test topics on a loaded machine has taken over 60 s to
    elect leaders. Returns name -> "created" or "exists"."""
    settings = settings or TopicSettings()
    wanted = topic_layout(settings, prefix)
    admin = make_admin(bootstrap_servers, auth=auth, request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        result = {name: "exists" for name in wanted if name in existing}
        missing = [NewTopic(name, t.partitions, settings.replication_factor,
                            topic_configs=t.configs)
                   for name, t in wanted.items() if name not in existing]
        if missing:
            response = await admin.create_topics(missing, timeout_ms=int(timeout * 1000))
            for name, code, *rest in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):  # lost a race: it is there
                    raise for_code(code)(f"creating topic {name}: {rest[0] if rest else ''}")
                result[name] = "created" if code == 0 else "exists"
        await _reconfigure(admin, {n: wanted[n] for n, s in result.items() if s == "exists"})
        await _wait_for_leaders(admin, {n: wanted[n].partitions if s == "created" else 1
                                        for n, s in result.items()}, timeout)
    finally:
        await admin.close()
    return result


async def _reconfigure(admin: AIOKafkaAdminClient, topics: dict[str, TopicLayout]) -> None:
    """Give topics made earlier (by an older catalogue) today's retention and min ISR. The
    non-incremental AlterConfigs replaces a topic's dynamic configs: these are all we set."""
    if not topics:
        return
    responses = await admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name, configs=t.configs)
         for name, t in topics.items()])
    for response in responses:
        for code, message, _, name in response.resources:
            if code:
                raise for_code(code)(f"configuring topic {name}: {message}")


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


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.kafka BOOTSTRAP [--prefix P]`: the topic bootstrap where the local
    runtime is not installed (the service images: Docker Compose's `topics` job), with
    TopicSettings from the environment (BPS_TOPIC_*)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shared.kafka", description=main.__doc__)
    parser.add_argument("bootstrap", help="bootstrap servers, e.g. kafka:9092")
    parser.add_argument("--prefix", default="", help="topic name prefix (default none)")
    args = parser.parse_args(argv)
    result = asyncio.run(ensure_topics(args.bootstrap, args.prefix))
    created = sorted(name for name, state in result.items() if state == "created")
    print(f"{len(result)} topics on {args.bootstrap}: created {created or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
