"""SIGKILL between the database commit and the publish, and between the broker's ack and
marking the row sent: after restart the event reaches the consumer exactly once."""

import subprocess
import sys
from pathlib import Path

from shared.db import create_pool
from shared.service import run_service
from testkit.harness.events import TopicReader, eventually

from contracts import ApplicationWithdrawn

from .conftest import MIGRATIONS, withdrawn

WORKER = Path(__file__).parent / "outbox_worker.py"


def run_worker(mode: str, settings, event) -> int:
    args = [sys.executable, str(WORKER), mode, settings.database_url,
            settings.kafka_bootstrap_servers, settings.topic_prefix, event.to_bytes().decode()]
    return subprocess.run(args, timeout=60).returncode


async def test_a_committed_event_is_published_after_crashes_and_applied_exactly_once(settings):
    event = withdrawn("survives a crash")
    topic = settings.topic(event.TOPIC)
    assert run_worker("commit-then-die", settings, event) == -9
    pool = await create_pool(settings.database_url)
    try:
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1

        assert run_worker("send-then-die", settings, event) == -9
        # The broker acknowledged it, but the crash came before the row was marked sent.
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1
        assert run_worker("relay", settings, event) == 0
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    finally:
        await pool.close()

    async with TopicReader(settings.kafka_bootstrap_servers, topic) as reader:
        records = await reader.wait_for(lambda rs: len(rs) >= 2, timeout=30)
    copies = [r for r in records if str(event.event_id).encode() in r.value]
    assert len(copies) == 2  # at-least-once on the wire: the inbox must absorb the repeat

    applied: list[str] = []

    async def wire(runtime):
        async def handle(conn, e: ApplicationWithdrawn):
            applied.append(str(e.event_id))

        runtime.consumer("downstream").on(ApplicationWithdrawn, handle).attach(
            runtime.broker, topic)

    async with run_service(settings, MIGRATIONS, wire) as runtime:
        await eventually(lambda: _seen_twice(runtime), timeout=30)
    assert applied == [str(event.event_id)]


async def _seen_twice(runtime) -> bool:
    return await runtime.pool.fetchval(
        "SELECT count(*) = 1 AND max(duplicates) = 1 FROM inbox WHERE consumer = 'downstream'")
