"""Platform tests: the real Kafka broker (and, for fault tests, a real three-node cluster)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from types import ModuleType

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from bps_local import kafka as local_kafka
from shared.testing.kafka import kafka_bootstrap_servers


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m bps_local.kafka ARGS`, as make runs it."""
    done = subprocess.run([sys.executable, "-m", "bps_local.kafka", *args], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"bps_local.kafka {' '.join(args)} failed:\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return kafka_bootstrap_servers()


@pytest.fixture(scope="session")
def kafka_cli() -> ModuleType:
    return local_kafka


def unique_topic(label: str) -> str:
    return f"test.{label}.{uuid.uuid4().hex[:8]}"


async def create_topic(bootstrap: str, name: str, partitions: int = 3, replication: int = 1,
                       configs: dict[str, str] | None = None) -> str:
    """Create a topic explicitly (auto creation is off) and wait until it has leaders."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication, topic_configs=configs or {})])
        errors = [(topic, code) for topic, code, *_ in response.topic_errors if code]
        assert not errors, f"create_topics failed: {errors}"

        async def has_leaders() -> bool:
            described = {t["topic"]: t for t in await admin.describe_topics([name])}
            parts = described.get(name, {}).get("partitions", [])
            return len(parts) == partitions and all(p["leader"] >= 0 for p in parts)

        await wait_until(has_leaders, within=30, what=f"topic {name} has leaders")
    finally:
        await admin.close()
    return name


async def wait_until(check: Callable[[], Awaitable[bool]], within: float, what: str,
                     interval: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting until {what}")
        await asyncio.sleep(interval)


# Tests run in importlib mode, where they cannot import this file; they get the helpers as
# fixtures instead.
@pytest.fixture(scope="session")
def kafka_helpers() -> ModuleType:
    return sys.modules[__name__]
