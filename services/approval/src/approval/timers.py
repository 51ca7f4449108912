"""The SLA timer poller: durable deadlines in PostgreSQL, each fired exactly once.

A due timer is claimed with FOR UPDATE SKIP LOCKED and marked fired in the transaction that
writes its events to the outbox. A crash before the commit leaves it unfired for the next
poll (or the next process); after the commit it is never picked again.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
from shared.logging import get_logger
from shared.unit_of_work import UnitsOfWork

from approval import repository as repo
from approval.handlers import Approvals

log = get_logger(__name__)
MAX_PER_POLL = 200


class TimerPoller:
    def __init__(self, pool: asyncpg.Pool, approvals: Approvals, poll_seconds: float) -> None:
        self.pool = pool
        self.units = UnitsOfWork(pool, approvals.outbox)
        self.approvals = approvals
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sla-timers")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.fire_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database away: the timers stay due, try again
                log.warning("timer poll failed; will retry", error=repr(exc))
            await asyncio.sleep(self.poll_seconds)

    async def fire_due(self) -> int:
        """Fire every timer that is due now; returns how many were applied."""
        fired = 0
        for _ in range(MAX_PER_POLL):
            async with self.units() as uow:
                timer = await repo.claim_due_timer(uow.conn)
                if timer is None:
                    break
                await self.approvals.fire_timer(uow.conn, timer)
                fired += 1
        return fired
