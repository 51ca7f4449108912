"""Inbox purge: a consumer's `(consumer, event_id)` rows are needed only while the same event
can arrive again. After the longest time a catalogue event can come back (its topic's
retention, or a dead letter's replay window: contracts.topics) they are dead weight, so a
worker deletes them in bounded batches, oldest first.

Each batch is one short transaction (a few thousand rows), so a purge never holds locks long
enough to slow the consumers; replicas of a service purge side by side (SKIP LOCKED).
"""

from __future__ import annotations

import asyncpg
from contracts.topics import DAY_MS, longest_retention_ms
from prometheus_client import Counter

from shared.logging import get_logger
from shared.metrics import PlumbingMetrics
from shared.settings import ServiceSettings
from shared.workers import WorkerLoop

log = get_logger(__name__)
# A day beyond the longest retention: a record at the very end of its retention may still be
# in a consumer's batch, or a replay may be underway, when the clock passes it.
MARGIN_MS = DAY_MS
PURGE_SQL = (
    "DELETE FROM inbox i USING ("
    " SELECT consumer, event_id FROM inbox"
    " WHERE received_at < now() - make_interval(secs => $1::float8)"
    " ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED) old"
    " WHERE i.consumer = old.consumer AND i.event_id = old.event_id")


def inbox_retention_seconds(settings: ServiceSettings) -> float:
    """The configured retention, or the catalogue's longest plus the margin."""
    if settings.inbox_retention_hours is not None:
        return settings.inbox_retention_hours * 3600
    return (longest_retention_ms() + MARGIN_MS) / 1000


class InboxPurge:
    """Deletes inbox rows older than the retention, `batch_size` rows per transaction, again
    at once while full batches come back, else every `poll_seconds`."""

    def __init__(self, pool: asyncpg.Pool, metrics: PlumbingMetrics, retention_seconds: float,
                 batch_size: int = 5000, poll_seconds: float = 600.0) -> None:
        self.pool = pool
        self.retention_seconds = retention_seconds
        self.batch_size = batch_size
        self.purged = Counter("bps_inbox_purged_rows", "Inbox rows deleted after retention",
                              registry=metrics.registry)
        self._loop = WorkerLoop("inbox purge", self.purge_batch, poll_seconds)

    @classmethod
    def from_settings(cls, pool: asyncpg.Pool, metrics: PlumbingMetrics,
                      settings: ServiceSettings) -> InboxPurge:
        return cls(pool, metrics, inbox_retention_seconds(settings),
                   settings.inbox_purge_batch_size, settings.inbox_purge_poll_seconds)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def purge_batch(self) -> bool:
        """One batch; True when it was full (more rows are probably waiting)."""
        status = await self.pool.execute(PURGE_SQL, self.retention_seconds, self.batch_size)
        deleted = int(status.split()[-1])  # "DELETE <n>"
        if deleted:
            self.purged.inc(deleted)
            log.info("inbox rows purged", rows=deleted,
                     older_than_days=round(self.retention_seconds / 86400, 1))
        return deleted == self.batch_size
