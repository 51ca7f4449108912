"""The inbox purge on the real database: rows older than the retention go, in bounded batches,
and every row an event could still be redelivered or replayed for stays."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from contracts.topics import DLQ_RETENTION_MS, RETENTION_MS
from shared.db import migrate
from shared.inbox_purge import InboxPurge, inbox_retention_seconds
from shared.metrics import PlumbingMetrics
from shared.settings import ServiceSettings
from testkit.harness.events import eventually
from testkit.harness.postgres import create_database, drop_database

from .conftest import MIGRATIONS

DAY = 86400


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    dsn = await create_database("inbox_purge")
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3)
    try:
        await migrate(pool, MIGRATIONS)
        yield pool
    finally:
        await pool.close()
        await drop_database(dsn)


async def add_rows(pool: asyncpg.Pool, days_old: float, count: int) -> set[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await pool.execute(
        "INSERT INTO inbox (consumer, event_id, topic, received_at)"
        " SELECT 'kit', e, 'applications', now() - make_interval(secs => $2::float8)"
        " FROM unnest($1::uuid[]) AS e", ids, days_old * DAY)
    return set(ids)


async def kept(pool: asyncpg.Pool) -> set[uuid.UUID]:
    return {r["event_id"] for r in await pool.fetch("SELECT event_id FROM inbox")}


def purged_total(purge: InboxPurge) -> float:
    return purge.purged._value.get()  # noqa: SLF001 - the counter's current value


def test_by_default_rows_are_kept_past_the_dead_letter_replay_window() -> None:
    retention = inbox_retention_seconds(ServiceSettings(environment="test"))
    assert retention > DLQ_RETENTION_MS / 1000 >= RETENTION_MS / 1000
    assert inbox_retention_seconds(
        ServiceSettings(environment="test", inbox_retention_hours=48)) == 2 * DAY


async def test_old_rows_go_in_bounded_batches_and_recent_ones_stay(pool) -> None:
    retention = inbox_retention_seconds(ServiceSettings(environment="test"))
    old = await add_rows(pool, retention / DAY + 2, 5)
    recent = await add_rows(pool, 1, 3)
    within_replay = await add_rows(pool, DLQ_RETENTION_MS / 1000 / DAY - 1, 2)
    purge = InboxPurge(pool, PlumbingMetrics(), retention, batch_size=2)

    # 5 old rows, 2 a batch: two full batches say "more", the third takes the last one.
    assert [await purge.purge_batch() for _ in range(3)] == [True, True, False]
    assert await kept(pool) == recent | within_replay
    assert purged_total(purge) == len(old) == 5
    assert await purge.purge_batch() is False


async def test_the_running_worker_purges_without_being_asked(pool) -> None:
    old = await add_rows(pool, 10, 7)
    recent = await add_rows(pool, 0, 2)
    purge = InboxPurge(pool, PlumbingMetrics(), retention_seconds=5 * DAY, batch_size=3,
                       poll_seconds=0.05)
    await purge.start()
    try:
        await eventually(lambda: _only(pool, recent))
    finally:
        await purge.stop()
    assert purged_total(purge) == len(old)


async def _only(pool: asyncpg.Pool, ids: set[uuid.UUID]) -> bool:
    return await kept(pool) == ids
