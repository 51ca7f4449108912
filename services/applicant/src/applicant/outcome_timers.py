"""The follow-up timer poller: durable moments in PostgreSQL (follow_ups.next_at), each
fired exactly once.

A due follow-up is claimed with FOR UPDATE SKIP LOCKED, so several instances share the work;
its next moment (a reminder, the lapse, or none) and its event are written in one transaction.
A crash before the commit leaves it for the next poll; after it, it is never fired twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.workers import WorkerLoop

from applicant.outcomes import Outcomes

MAX_PER_POLL = 200


class FollowUpPoller(WorkerLoop):
    """The shared worker loop, firing due follow-ups every `poll_seconds`."""

    def __init__(self, outcomes: Outcomes, poll_seconds: float,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.outcomes = outcomes
        self.clock = clock or outcomes.clock
        super().__init__("follow-up-timers", self._fire_now, poll_seconds)

    async def _fire_now(self) -> bool:
        # A full poll means more may be due already.
        return await self.fire_due(self.clock()) >= MAX_PER_POLL

    async def fire_due(self, now: datetime) -> int:
        """Fire every follow-up timer due at `now` (tests pass a later moment to drive the
        clock); returns how many fired."""
        fired = 0
        while fired < MAX_PER_POLL and await self.outcomes.fire_next(now):
            fired += 1
        return fired
