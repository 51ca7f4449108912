"""A stand-in service process for the outbox crash test. Modes:
commit-then-die  commit state + outbox row, then SIGKILL itself before any publish
send-then-die    relay: publish (broker acks) then SIGKILL itself before marking rows sent
relay            relay until nothing is unsent, then exit 0
"""

import asyncio
import os
import signal
import sys
from pathlib import Path

from shared.db import create_pool, migrate
from shared.outbox import Outbox, OutboxRelay

from contracts import parse_event

MIGRATIONS = Path(__file__).parent / "fixture_migrations"


class DyingRelay(OutboxRelay):
    async def _send(self, rows):
        result = await super()._send(rows)
        os.kill(os.getpid(), signal.SIGKILL)
        return result


async def main(mode: str, dsn: str, bootstrap: str, prefix: str, event_json: str) -> None:
    pool = await create_pool(dsn)
    await migrate(pool, MIGRATIONS)
    if mode == "commit-then-die":
        event = parse_event(event_json)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO effects (event_id, detail) VALUES ($1, 'state')",
                               event.event_id)
            await Outbox(prefix).add(conn, event)
        os.kill(os.getpid(), signal.SIGKILL)
    relay_cls = DyingRelay if mode == "send-then-die" else OutboxRelay
    relay = relay_cls(pool, bootstrap, "outbox-worker")
    await relay.producer.start()
    while await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
        await relay.publish_batch()
    await relay.producer.stop()
    await pool.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
