"""Erasure tombstones on the real database: an erasure waits for a transaction that is writing
about the same person, and a writer that comes after it sees the tombstone, whatever order
their events arrived in."""

import asyncio

import asyncpg
from shared.db import migrate
from testkit.harness.events import eventually

from shared import erasure

from .conftest import MIGRATIONS


async def waiting_for_an_advisory_lock(conn: asyncpg.Connection) -> bool:
    """An erasure lock waited for in this test's own database (other tests share the server)."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = $1 AND database = (SELECT oid FROM pg_database"
        " WHERE datname = current_database()))", erasure.LOCK_CLASS)


async def test_an_erasure_waits_for_a_writer_of_the_same_person_and_later_writers_see_it(
        settings):
    pool = await asyncpg.create_pool(settings.database_url, min_size=3, max_size=4)
    try:
        await migrate(pool, MIGRATIONS)
        async with pool.acquire() as writer, pool.acquire() as eraser, \
                pool.acquire() as observer:
            async with writer.transaction():
                assert not await erasure.is_erased(writer, "alice")
                # Someone else may be erased meanwhile: only alice's erasure waits.
                async with eraser.transaction():
                    await asyncio.wait_for(erasure.record(eraser, "bob"), 10)

                async def erase_alice():
                    async with eraser.transaction():
                        await erasure.record(eraser, "alice")
                erasing = asyncio.create_task(erase_alice())
                await eventually(lambda: waiting_for_an_advisory_lock(observer), timeout=10)
                assert not erasing.done()
            await asyncio.wait_for(erasing, 10)  # the writer committed: the erasure goes on

            async with writer.transaction():
                assert await erasure.is_erased(writer, "alice")
                assert await erasure.is_erased(writer, "bob")
                assert not await erasure.is_erased(writer, "carol")
    finally:
        await pool.close()
