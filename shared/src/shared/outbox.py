"""Transactional outbox: events are rows written in the caller's transaction; a relay publishes.

The relay sends a batch in id order through an idempotent producer, waits for every ack, then
marks the rows sent. A crash between ack and mark re-sends them; consumers' inboxes absorb it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import asyncpg
from opentelemetry import propagate

from contracts import Event
from shared.kafka import make_producer
from shared.logging import get_logger
from shared.metrics import PlumbingMetrics
from shared.workers import WorkerLoop

log = get_logger(__name__)
NOTIFY_CHANNEL = "outbox"  # the trigger in migration 002 notifies it
INSERT_SQL = ("INSERT INTO outbox (event_id, topic, key, event_type, payload, headers)"
              " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING")
RELAY_LOCK_ID = 7_417_002
PURGE_EVERY_SECONDS = 60.0


def envelope_headers(event: Event) -> dict[str, str]:
    headers = {
        "event_type": event.event_type,
        "schema_version": str(event.schema_version),
        "correlation_id": str(event.correlation_id),
        "producer": event.producer,
        "content-type": "application/json",
    }
    if event.causation_id:
        headers["causation_id"] = str(event.causation_id)
    propagate.inject(headers)  # W3C traceparent when a tracer is configured
    return headers


class Outbox:
    """Writes events in the caller's transaction. Never publishes by itself."""

    def __init__(self, topic_prefix: str = "") -> None:
        self.topic_prefix = topic_prefix
        self._held: dict[asyncpg.Connection, list[tuple]] = {}

    async def add(self, conn: asyncpg.Connection, *events: Event) -> None:
        """Insert the events' rows (or hold them, see `held`); a trigger wakes the relay."""
        rows = [(e.event_id, self.topic_prefix + e.TOPIC, e.key(), e.event_type, e.to_bytes(),
                 envelope_headers(e)) for e in events]
        held = self._held.get(conn)
        if held is not None:
            held.extend(rows)
        else:
            await _insert(conn, rows)

    @contextlib.asynccontextmanager
    async def held(self, conn: asyncpg.Connection) -> AsyncIterator[None]:
        """Within it, adds on `conn` are held and written in one round trip at the end, in add
        order. Use inside the transaction; a consumer applying a batch saves a round trip per
        event. Nothing is written if the body raises."""
        self._held[conn] = rows = []
        try:
            yield
        finally:
            del self._held[conn]
        await _insert(conn, rows)


async def _insert(conn: asyncpg.Connection, rows: list[tuple]) -> None:
    if len(rows) == 1:  # execute is one round trip; executemany pipelines several rows
        await conn.execute(INSERT_SQL, *rows[0])
    elif rows:
        await conn.executemany(INSERT_SQL, rows)


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, bootstrap_servers: str, client_id: str,
                 metrics: PlumbingMetrics | None = None, poll_seconds: float = 0.2,
                 batch_size: int = 500, retention_hours: float = 24.0,
                 kafka_auth: dict[str, str] | None = None) -> None:
        self.pool = pool
        self.producer = make_producer(bootstrap_servers, client_id=f"{client_id}-outbox",
                                      **(kafka_auth or {}))
        self.metrics = metrics or PlumbingMetrics()
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.retention_hours = retention_hours
        self._loop = WorkerLoop("outbox relay", self._step, poll_seconds)
        self._listen_conn: asyncpg.Connection | None = None
        self._last_purge = 0.0

    async def start(self) -> None:
        await self.producer.start()
        self._listen_conn = await self.pool.acquire()
        await self._listen_conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        if self._listen_conn:
            with contextlib.suppress(Exception):
                await self._listen_conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self.pool.release(self._listen_conn)
        await self.producer.stop()

    def _on_notify(self, *_args: object) -> None:
        self._loop.wake()

    def wake(self) -> None:
        self._loop.wake()

    async def _step(self) -> bool:
        """One relay round (shared.workers.WorkerLoop runs it); True when a full batch went."""
        sent = await self.publish_batch()
        await self._maybe_purge()
        return sent >= self.batch_size

    async def publish_batch(self) -> int:
        """Publish one batch of unsent rows in order; returns how many were acknowledged."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", RELAY_LOCK_ID):
                return 0  # another instance of this service is relaying
            rows = await conn.fetch(
                "SELECT id, topic, key, payload, headers, created_at FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT $1", self.batch_size)
            if not rows:
                return 0
            acked, error = await self._send(rows)
            await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])",
                               [r["id"] for r in acked])
            if error is not None:
                failed = [r["id"] for r in rows if r not in acked]
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2"
                    " WHERE id = ANY($1::bigint[])", failed, repr(error)[:500])
        self._observe(acked)
        if error is not None:
            raise error
        return len(acked)

    async def _send(self, rows: list[asyncpg.Record]) -> tuple[list, BaseException | None]:
        futures = []
        for r in rows:
            headers = [(k, v.encode()) for k, v in r["headers"].items()]
            futures.append(await self.producer.send(r["topic"], value=r["payload"],
                                                    key=r["key"].encode(), headers=headers))
        results = await asyncio.gather(*futures, return_exceptions=True)
        acked, error = [], None
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                error = error or result
            else:
                acked.append(row)
        return acked, error

    def _observe(self, acked: list[asyncpg.Record]) -> None:
        now = time.time()
        for r in acked:
            self.metrics.published.labels(r["topic"]).inc()
            self.metrics.outbox_lag.observe(max(0.0, now - r["created_at"].timestamp()))

    async def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        await self.pool.execute(
            "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)",
            self.retention_hours * 3600)
