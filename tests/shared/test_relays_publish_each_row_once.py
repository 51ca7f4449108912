"""Several relays on one outbox (a service's replicas) publish each row exactly once while
rows keep arriving: one relay at a time holds the relay lock, and the one that takes it next
must see the rows the last one marked sent. Real broker, real database.

The lock was once taken inside the statement that reads the batch. That statement's snapshot
is taken before its lock, so a relay could take the lock just after another committed, read
that relay's rows as still unsent and publish them again (seen in a replica fault run: four
records twice after graceful restarts). Every NOTIFY wakes every relay at once, so with small
batches and a steady stream of rows the window comes round often."""

import asyncio
import collections
import json
import uuid

from shared.db import create_pool, migrate
from shared.outbox import Outbox, OutboxRelay
from testkit.harness.events import eventually

from contracts import ApplicationWithdrawn
from tests.e2e.faults.reconcile import read_topic

from .conftest import MIGRATIONS, withdrawn

RELAYS, ROWS, PER_TRANSACTION = 3, 3_000, 3


async def test_three_relays_publish_every_row_once_while_rows_arrive(settings):
    pools = [await create_pool(settings.database_url) for _ in range(RELAYS)]
    await migrate(pools[0], MIGRATIONS)
    relays = [OutboxRelay(pool, settings.kafka_bootstrap_servers, f"replica-{n}",
                          poll_seconds=0.05, batch_size=4) for n, pool in enumerate(pools)]
    outbox = Outbox(settings.topic_prefix)
    added = []
    try:
        for relay in relays:
            await relay.start()
        for _ in range(ROWS // PER_TRANSACTION):
            events = [withdrawn() for _ in range(PER_TRANSACTION)]
            async with pools[0].acquire() as conn, conn.transaction():
                for e in events:
                    await outbox.add(conn, e)
            added += [e.event_id for e in events]
            await asyncio.sleep(0)  # let the relays' wake-ups interleave with the commits

        async def all_sent() -> bool:
            return await pools[0].fetchval(
                "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0

        await eventually(all_sent, timeout=120)
    finally:
        for relay in relays:
            await relay.stop()
        for pool in pools:
            await pool.close()

    # The whole topic up to its end: the relays have stopped, so a second copy is in it too.
    records = await read_topic(settings.kafka_bootstrap_servers,
                               settings.topic_prefix + ApplicationWithdrawn.TOPIC)
    published = collections.Counter(uuid.UUID(json.loads(r.value)["event_id"])
                                    for r in records)
    twice = {event_id: n for event_id, n in published.items() if n > 1}
    assert twice == {}, f"{len(twice)} of {len(added)} rows published more than once"
    assert set(published) == set(added)
