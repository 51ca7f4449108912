"""Is a broker serving? Asked with aiokafka's admin client (a metadata request), the same
client library the services use, so "serving" means "a service could use it now"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError as ClientError


@dataclass(frozen=True)
class ClusterInfo:
    cluster_id: str | None
    controller_id: int
    brokers: dict[int, str]  # node id -> host:port


def _quiet() -> None:
    # A probe of a broker that is still starting fails by design; aiokafka would log each
    # failed connection as an error.
    for name in ("aiokafka", "aiokafka.conn", "aiokafka.client", "aiokafka.admin"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


async def describe(bootstrap: str, auth: dict[str, str] | None = None,
                   timeout: float = 3.0) -> ClusterInfo | None:
    """The cluster behind `bootstrap`, or None when nothing there answers like a broker."""
    _quiet()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bps-local-probe",
                                request_timeout_ms=int(timeout * 1000), **(auth or {}))
    try:
        async with asyncio.timeout(timeout + 1):
            await admin.start()
            meta = await admin.describe_cluster()
    except (ClientError, OSError, TimeoutError, ValueError):
        return None
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    brokers = {b["node_id"]: f"{b['host']}:{b['port']}" for b in meta.get("brokers", [])}
    return ClusterInfo(meta.get("cluster_id"), meta.get("controller_id", -1), brokers)


def describe_now(bootstrap: str, auth: dict[str, str] | None = None,
                 timeout: float = 3.0) -> ClusterInfo | None:
    """describe() for synchronous callers (the CLI, the start-up loop, tests in threads)."""
    return asyncio.run(describe(bootstrap, auth, timeout))


def serving(bootstrap: str, expect_brokers: int = 1, auth: dict[str, str] | None = None) -> bool:
    """True when a metadata request succeeds and lists at least `expect_brokers` brokers."""
    info = describe_now(bootstrap, auth, timeout=2.0)
    return info is not None and len(info.brokers) >= expect_brokers
