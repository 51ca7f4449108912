"""One replica of the plumbing hop's stand-in service as its own process, for the replicas
bench (tests/perf/replicas.py): run_service with tests.perf.plumbing's wiring until SIGTERM,
then it drains like a service. Kept apart from the bench so a replica imports only what it
runs (not the cluster harness).

    BENCH_REPLICA_BOOTSTRAP=... BENCH_REPLICA_PREFIX=... BENCH_REPLICA_DSN=... \\
        python -m tests.perf.hop_replica
"""

from __future__ import annotations

import asyncio
import os
import signal

from shared.service import run_service
from shared.settings import ServiceSettings

from tests.perf.plumbing import MIGRATIONS, hop_wire

ENV = ("BENCH_REPLICA_BOOTSTRAP", "BENCH_REPLICA_PREFIX", "BENCH_REPLICA_DSN")


async def serve_replica() -> None:
    # Same settings as plumbing.hop_settings (kit defaults), so every replica joins the one
    # group `<prefix>bench` and k = 1 is the plumbing hop on the cluster.
    bootstrap, prefix, dsn = (os.environ[name] for name in ENV)
    settings = ServiceSettings(service_name="bench", environment="test",
                               kafka_bootstrap_servers=bootstrap, topic_prefix=prefix,
                               database_url=dsn)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with run_service(settings, MIGRATIONS, hop_wire({})):
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(serve_replica())
