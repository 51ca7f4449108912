"""The timer poller: durable deadlines in PostgreSQL, each fired exactly once. A stage's SLA
timers (reminder, escalation, expiry) and a started placement's end (`placement_end`).

A due timer is claimed with FOR UPDATE SKIP LOCKED and marked fired in the transaction that
writes its events to the outbox. A crash before the commit leaves it unfired for the next
poll (or the next process); after the commit it is never picked again.
"""

from __future__ import annotations

import asyncpg
from shared.logging import get_logger
from shared.unit_of_work import UnitsOfWork
from shared.workers import WorkerLoop

from approval import lifecycle
from approval import repository as repo
from approval.handlers import Approvals

log = get_logger(__name__)
MAX_PER_POLL = 200


class TimerPoller:
    """A worker (shared.workers.WorkerLoop) that fires due timers every `poll_seconds`."""

    def __init__(self, pool: asyncpg.Pool, approvals: Approvals, poll_seconds: float) -> None:
        self.pool = pool
        self.units = UnitsOfWork(pool, approvals.outbox)
        self.approvals = approvals
        self._loop = WorkerLoop("sla-timers", self._step, poll_seconds)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _step(self) -> bool:
        # Timers are found by polling; a full poll means more may be due already.
        return await self.fire_due() >= MAX_PER_POLL

    async def fire_due(self) -> int:
        """Fire every timer that is due now; returns how many were applied."""
        fired = 0
        for _ in range(MAX_PER_POLL):
            async with self.units() as uow:
                timer = await repo.claim_due_timer(uow.conn)
                if timer is None:
                    break
                if timer["placement_id"] is None:
                    await self.approvals.fire_timer(uow.conn, timer)
                elif await lifecycle.end_on_schedule(uow.conn, uow.outbox, timer) is None:
                    break  # its placement is busy with a person's request: the next poll
                fired += 1
        return fired
