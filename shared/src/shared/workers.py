"""Background workers: one loop shape for every poller (outbox relay, SLA timers, ...).

A worker repeats one step. A step that says more work is waiting runs again at once; otherwise
the loop waits for a wake-up (a NOTIFY, a new row) or the poll interval, whichever is first. A
failing step (database or broker away) is logged and retried after a backoff that doubles up
to a cap, so an outage costs a few log lines, not a busy loop. Stopping lets the step in
progress finish, for at most `grace_seconds` (a pod's own grace period is finite), and then
cancels it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import Protocol

from shared.logging import get_logger

log = get_logger(__name__)
# Returns True when more work is already waiting (a full batch), so the loop goes again at once.
Step = Callable[[], Awaitable[bool]]
MAX_BACKOFF_SECONDS = 5.0
GRACE_SECONDS = 10.0


class Worker(Protocol):
    """What a service spec's workers are: started after wiring, stopped before the broker.
    `start` may be a coroutine or a plain function (older workers start synchronously)."""

    def start(self) -> Awaitable[None] | None: ...

    async def stop(self) -> None: ...


async def start_worker(worker: Worker) -> None:
    started = worker.start()
    if inspect.isawaitable(started):
        await started


class WorkerLoop:
    """Runs `step` until stopped: at once while it reports more, else on `wake()` or every
    `poll_seconds`. `grace_seconds` bounds how long `stop()` waits for a step in progress."""

    def __init__(self, name: str, step: Step, poll_seconds: float,
                 max_backoff: float = MAX_BACKOFF_SECONDS,
                 grace_seconds: float = GRACE_SECONDS) -> None:
        self.name = name
        self.step = step
        self.poll_seconds = poll_seconds
        self.max_backoff = max(max_backoff, poll_seconds)
        self.grace_seconds = grace_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace_seconds: float | None = None) -> None:
        """Let a step in progress finish (a batch half-published or a send half-made is
        redone or left in doubt if cut), then end without starting another; cancel it only
        after `grace_seconds` (default: the loop's own)."""
        if not self._task:
            return
        self._stopping.set()
        self._wake.set()
        grace = self.grace_seconds if grace_seconds is None else grace_seconds
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            log.warning(f"{self.name} did not finish its step in time; cancelling it")
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while not self._stopping.is_set():
            # Cleared before the step, so a wake-up that arrives during it is not lost.
            self._wake.clear()
            try:
                more = await self.step()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the work stays where it is; retry later
                log.warning(f"{self.name} failed; will retry", error=repr(exc), backoff=backoff)
                more = False
                with contextlib.suppress(TimeoutError):  # a stop ends the back-off early
                    await asyncio.wait_for(self._stopping.wait(), backoff)
                backoff = min(backoff * 2, self.max_backoff)
            if not more:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
