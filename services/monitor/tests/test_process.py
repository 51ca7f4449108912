"""`python -m monitor` as a real process, SIGKILLed while it logs a burst of events."""

import asyncio

import asyncpg
from monitor.config import MonitorSettings
from testkit.harness.events import eventually, publish
from testkit.harness.postgres import drop_database
from testkit.harness.process import process_for
from testkit.harness.service import test_settings as fresh_settings

from contracts import ApplicationWithdrawn

from .conftest import next_event, submitted

BURST = 300


async def test_a_sigkill_mid_burst_loses_no_event_and_logs_none_twice(tmp_path):
    settings = await fresh_settings(MonitorSettings)
    proc = process_for(settings, tmp_path)
    events = []
    for _ in range(BURST // 3):
        first = submitted()
        events += [first, next_event(ApplicationWithdrawn, first, reason="a"),
                   next_event(ApplicationWithdrawn, first, reason="b")]
    conn = await asyncpg.connect(settings.database_url)
    try:
        await asyncio.to_thread(proc.start)
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, *events)
        await eventually(lambda: _logged_at_least(conn, 30), timeout=30, interval=0.01)
        proc.kill()
        killed_with = await conn.fetchval("SELECT count(*) FROM events")
        await asyncio.to_thread(proc.start)
        await eventually(lambda: _logged_at_least(conn, BURST), timeout=40)
        proc.stop()
        rows = await conn.fetch("SELECT event_id FROM events ORDER BY seq")
    finally:
        proc.stop()
        await conn.close()
        await drop_database(settings.database_url)

    assert killed_with < BURST  # the kill really landed mid-burst
    assert len(rows) == BURST
    assert {r["event_id"] for r in rows} == {e.event_id for e in events}


async def _logged_at_least(conn, n: int) -> bool:
    return await conn.fetchval("SELECT count(*) FROM events") >= n
