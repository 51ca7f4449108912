"""Match day by a durable timer, then clearing.

The timetable HR sets lives on the round's row (ranking_opens_at, ranking_deadline,
match_at), so it survives restarts and every instance sees it: each polls for an open round
whose match day has come and runs it through `Rounds.run`, which takes the capacity lock and
the row lock and leaves a matched round alone, so the round runs once however many instances
poll. Clearing then starts: every application the round left waiting is offered its best
feasible open place at once (continuous mode, the service's usual behaviour), and until the
next round opens new applications, freed and new places are matched continuously too
(`Matching.continuous`); all of it honours the stored targets (clearing.py).
"""

from __future__ import annotations

import uuid

from shared.unit_of_work import UnitsOfWork
from shared.workers import WorkerLoop

from matching import ranking_store as store
from matching import repository as repo
from matching.clearing import clearing_pass
from matching.cohort import Rounds
from matching.handlers import Matching


class MatchDay:
    """A worker: runs the open round when its match day is due, then starts clearing."""

    def __init__(self, matching: Matching, units: UnitsOfWork, poll_seconds: float) -> None:
        self.matching = matching
        self.units = units
        self.rounds = Rounds(matching, units)
        self._loop = WorkerLoop("match-day", self._step, poll_seconds)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def _step(self) -> bool:
        async with self.units.read() as conn:
            due = await store.due_round(conn)
        if due is None:
            return False
        if due["status"] == "ranking":
            await self.rounds.run(due["round_id"], "match-day timer", None)
        await self.clear(due["round_id"])
        return False

    async def clear(self, round_id: uuid.UUID) -> int:
        """Clearing: the waiting applications get the places left, honouring the stored
        targets (clearing.py; they heard NoMatchFound from the round already, so no second
        one). Returns how many got a place."""
        async with self.units() as uow:
            await repo.lock_capacity(uow.conn)
            await store.start_clearing(uow.conn, round_id)
            row = await store.lock_round(uow.conn, round_id)
            return await clearing_pass(uow.conn, self.matching, row)
