"""Transactional outbox: events are rows written in the caller's transaction; a relay publishes.

The relay sends a batch in id order through an idempotent producer, waits for every ack, then
marks the rows sent. A crash between ack and mark re-sends them; consumers' inboxes absorb it.

Per-key order survives failures. Rows go in waves, the n-th row of each (topic, key) in the
n-th wave, so a row that fails holds back the later rows of its key in that round. A row that
fails for a reason of its own (too large for the broker, unserialisable headers) also holds
them back in later rounds: it is retried alone, after a growing backoff, until it goes, while
every other key goes on; `bps_outbox_blocked_rows` and `bps_outbox_oldest_blocked_seconds`
alert an operator once a row has failed `alert_after_attempts` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from opentelemetry import propagate

from contracts import Event
from shared import tracing
from shared.kafka import make_producer
from shared.logging import get_logger
from shared.metrics import PlumbingMetrics
from shared.workers import WorkerLoop

log = get_logger(__name__)
NOTIFY_CHANNEL = "outbox"  # the trigger in migration 002 notifies it
INSERT_SQL = ("INSERT INTO outbox (event_id, topic, key, event_type, payload, headers)"
              " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING")
RELAY_LOCK_ID = 7_417_002
# One relay of a service's replicas at a time. Taken in a statement of its own, before the
# batch is read: under READ COMMITTED a statement reads as of its start, so a lock taken inside
# the reading statement (as it once was, to save a round trip) comes after its snapshot, and a
# relay taking it just as the previous holder committed read that holder's rows as unsent and
# published them again (tests/shared/test_relays_publish_each_row_once.py).
LOCK_SQL = "SELECT pg_try_advisory_xact_lock($1)"
PURGE_EVERY_SECONDS = 60.0
GAUGES_EVERY_SECONDS = 1.0
# Unsent rows in id order, except the later rows of a (topic, key) whose earlier row failed for
# a reason of its own (it has a next_attempt_at), and such a row still waiting out its backoff.
SELECT_SQL = (
    "SELECT o.id, o.topic, o.key, o.payload, o.headers, o.created_at, o.attempts,"
    " o.next_attempt_at FROM outbox o"
    " WHERE o.sent_at IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM outbox h"
    "  WHERE h.sent_at IS NULL AND h.next_attempt_at IS NOT NULL"
    "  AND h.topic = o.topic AND h.key = o.key"
    "  AND (h.id < o.id OR (h.id = o.id AND h.next_attempt_at > now())))"
    " ORDER BY o.id LIMIT $1")
# A relay-wide failure (broker away) sets no next_attempt_at: the relay backs off as a whole.
FAIL_SQL = ("UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at ="
            " now() + make_interval(secs => $3::float8) WHERE id = $1")
BLOCKED_SQL = ("SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age"
               " FROM outbox WHERE sent_at IS NULL AND attempts >= $1")


def envelope_headers(event: Event) -> dict[str, str]:
    headers = _headers(event)
    if tracing.recording():  # W3C traceparent; with no tracer there is none (it cost ~25 us)
        propagate.inject(headers)
    return headers


def _headers(event: Event) -> dict[str, str]:
    headers = {
        "event_type": event.event_type,
        "schema_version": str(event.schema_version),
        "correlation_id": str(event.correlation_id),
        "producer": event.producer,
        "content-type": "application/json",
    }
    if event.causation_id:
        headers["causation_id"] = str(event.causation_id)
    return headers


class Outbox:
    """Writes events in the caller's transaction. Never publishes by itself."""

    def __init__(self, topic_prefix: str = "") -> None:
        self.topic_prefix = topic_prefix
        self._held: dict[asyncpg.Connection, list[tuple]] = {}

    async def add(self, conn: asyncpg.Connection, *events: Event) -> None:
        """Insert the events' rows (or hold them, see `held`); a trigger wakes the relay."""
        traced = tracing.recording()  # asked once: it reads the environment
        rows = [self._row(e, traced) for e in events]
        held = self._held.get(conn)
        if held is not None:
            held.extend(rows)
        else:
            await _insert(conn, rows)

    def _row(self, e: Event, traced: bool) -> tuple:
        topic = self.topic_prefix + e.TOPIC
        if not traced:
            return e.event_id, topic, e.key(), e.event_type, e.to_bytes(), _headers(e)
        # The row's headers carry this span's context: the consumer's span becomes its child.
        with tracing.creating(topic, str(e.event_id)):
            return e.event_id, topic, e.key(), e.event_type, e.to_bytes(), envelope_headers(e)

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


@dataclass(frozen=True)
class Failure:
    row: asyncpg.Record
    error: BaseException
    at_broker: bool = False  # refused by the broker, not at hand-over to the producer

    @property
    def relay_wide(self) -> bool:
        """The broker or network is away: every row would fail alike, so no backoff of its own
        (the relay backs off as a whole); anything else is the row's own problem."""
        e = self.error
        return isinstance(e, KafkaConnectionError | KafkaTimeoutError) or (
            isinstance(e, KafkaError) and e.retriable)


# A wake-up by the poll timer rather than a NOTIFY usually finds nothing: one query says so,
# instead of a transaction with the lock and the batch select (every service polls).
ANY_UNSENT_SQL = "SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL)"


class OutboxRelay:
    def __init__(self, pool: asyncpg.Pool, bootstrap_servers: str, client_id: str,
                 metrics: PlumbingMetrics | None = None, poll_seconds: float = 0.2,
                 batch_size: int = 500, retention_hours: float = 24.0,
                 kafka_auth: dict[str, str] | None = None, *, alert_after_attempts: int = 3,
                 backoff_base_seconds: float = 1.0, backoff_cap_seconds: float = 60.0) -> None:
        self.pool = pool
        self._new_producer = lambda: make_producer(bootstrap_servers,
                                                   client_id=f"{client_id}-outbox",
                                                   **(kafka_auth or {}))
        self.producer = self._new_producer()
        self.metrics = metrics or PlumbingMetrics()
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.retention_hours = retention_hours
        self.alert_after_attempts = alert_after_attempts
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        # Polled several times a second: its queries would be a root span each (noise).
        self._loop = WorkerLoop("outbox relay", tracing.untraced(self._step), poll_seconds)
        self._listen_conn: asyncpg.Connection | None = None
        self._last_purge = 0.0
        self._last_gauges = 0.0
        self._woken = True  # the first round looks for rows left by an earlier run

    async def start(self) -> None:
        await self.producer.start()
        self._listen_conn = await self.pool.acquire()
        await self._listen_conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
        await self._loop.start()

    async def stop(self, flush_seconds: float = 5.0) -> None:
        await self._loop.stop()
        # A last flush: rows committed while the service drained go out now rather than at
        # the next start (another replica may relay them too; the advisory lock decides).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._flush(), flush_seconds)
        if self._listen_conn:
            with contextlib.suppress(Exception):
                await self._listen_conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
            await self.pool.release(self._listen_conn)
        await self.producer.stop()

    async def pause(self) -> None:
        """Publish nothing until `resume` (committed rows wait in the table): a drill for the
        backlog alert, or an operator holding events back."""
        await self._loop.stop()

    async def resume(self) -> None:
        await self._loop.start()

    async def _flush(self) -> None:
        while await self.publish_batch() >= self.batch_size:
            pass

    def _on_notify(self, *_args: object) -> None:
        self.wake()

    def wake(self) -> None:
        self._woken = True
        self._loop.wake()

    async def _step(self) -> bool:
        """One relay round (shared.workers.WorkerLoop runs it); True when a full batch went.
        Woken by the timer alone, it first asks whether anything is unsent at all (a NOTIFY
        lost with its connection, or a row waiting out its backoff, is found so too)."""
        woken, self._woken = self._woken, False  # a wake-up during the step counts for the next
        unsent = woken or await self.pool.fetchval(ANY_UNSENT_SQL)
        sent = await self.publish_batch() if unsent else 0
        await self._maybe_purge()
        await self.refresh_gauges()
        return sent >= self.batch_size

    async def publish_batch(self) -> int:
        """Publish one batch of unsent rows in order; returns how many were acknowledged.
        Raises only when the broker itself seems away (nothing acked, a relay-wide error)."""
        async with self.pool.acquire() as conn, conn.transaction():
            # Nothing when another instance of this service is relaying (it holds the lock).
            if not await conn.fetchval(LOCK_SQL, RELAY_LOCK_ID):
                return 0
            rows = await conn.fetch(SELECT_SQL, self.batch_size)
            if not rows:
                return 0
            acked, failures = await self._send(rows)
            await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])",
                               [r["id"] for r in acked])
            if failures:
                await conn.executemany(FAIL_SQL, [
                    (f.row["id"], repr(f.error)[:500], self._backoff(f)) for f in failures])
        self._observe(acked, failures)
        if any(f.at_broker and not f.relay_wide for f in failures):
            await self._renew_producer()
        if failures and not acked and any(f.relay_wide for f in failures):
            raise failures[0].error
        return len(acked)

    async def _renew_producer(self) -> None:
        """After the broker refused a record the idempotent producer's sequence numbers for
        that partition are out of step (every later send: OutOfOrderSequenceNumber); a new
        producer gets a new producer id and starts afresh."""
        old, self.producer = self.producer, self._new_producer()
        with contextlib.suppress(Exception):
            await old.stop()
        await self.producer.start()

    def _backoff(self, failure: Failure) -> float | None:
        if failure.relay_wide:
            return None  # no hold of its own: the relay's backoff spaces these out
        attempts = failure.row["attempts"]  # before this one
        return min(self.backoff_cap_seconds, self.backoff_base_seconds * 2 ** attempts)

    async def _send(self, rows: list[asyncpg.Record]) -> tuple[list, list[Failure]]:
        """Rows that failed for a reason of their own go first, one at a time: the broker
        refuses a whole producer batch for one bad record, and a retried row must not take its
        neighbours down again.
        Then the rest in waves, the n-th row of every key in the n-th wave, each wave pipelined
        and acknowledged before the next: a row that fails (at hand-over or at the broker)
        holds back the later rows of its key."""
        acked, failures, held = [], [], set()
        for r in (r for r in rows if r["next_attempt_at"] is not None):
            future = await self._hand_over(r, failures, held)
            if future is not None:
                await _settle([r], [future], acked, failures, held)
        for wave in _waves(r for r in rows if r["next_attempt_at"] is None):
            sent, futures = [], []
            for r in wave:
                if (r["topic"], r["key"]) not in held:
                    future = await self._hand_over(r, failures, held)
                    if future is not None:
                        sent.append(r)
                        futures.append(future)
            await _settle(sent, futures, acked, failures, held)
        return acked, failures

    async def _hand_over(self, r: asyncpg.Record, failures: list[Failure],
                         held: set) -> asyncio.Future | None:
        try:
            headers = [(k, v.encode()) for k, v in r["headers"].items()]
            return await self.producer.send(r["topic"], value=r["payload"],
                                            key=r["key"].encode(), headers=headers)
        except (KafkaConnectionError, KafkaTimeoutError):
            raise  # the broker is away: nothing about this row
        except Exception as exc:  # noqa: BLE001 - this row's own problem
            failures.append(Failure(r, exc))
            held.add((r["topic"], r["key"]))
            return None

    async def refresh_gauges(self) -> None:
        """Blocked rows: unsent after `alert_after_attempts` tries, each holding up its key."""
        if time.monotonic() - self._last_gauges < GAUGES_EVERY_SECONDS:
            return
        self._last_gauges = time.monotonic()
        row = await self.pool.fetchrow(BLOCKED_SQL, self.alert_after_attempts)
        self.metrics.outbox_blocked_rows.set(row["n"])
        self.metrics.outbox_oldest_blocked_seconds.set(row["age"] or 0.0)

    def _observe(self, acked: list[asyncpg.Record], failures: list[Failure]) -> None:
        now = time.time()
        for r in acked:
            self.metrics.published.labels(r["topic"]).inc()
            self.metrics.outbox_lag.observe(max(0.0, now - r["created_at"].timestamp()))
        for f in failures:
            self.metrics.outbox_failures.labels(f.row["topic"], type(f.error).__name__).inc()
            if not f.relay_wide:
                log.error("outbox row failed to publish; its key waits", outbox_id=f.row["id"],
                          topic=f.row["topic"], attempts=f.row["attempts"] + 1,
                          error=repr(f.error)[:500])

    async def _maybe_purge(self) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        await self.pool.execute(
            "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)",
            self.retention_hours * 3600)


def _waves(rows: Iterable[asyncpg.Record]) -> list[list[asyncpg.Record]]:
    """The n-th row of each (topic, key) in wave n, in id order."""
    waves: list[list[asyncpg.Record]] = []
    seen: Counter = Counter()
    for r in rows:
        n = seen[(r["topic"], r["key"])]
        seen[(r["topic"], r["key"])] += 1
        if n == len(waves):
            waves.append([])
        waves[n].append(r)
    return waves


async def _settle(sent: list, futures: list, acked: list, failures: list[Failure],
                  held: set) -> None:
    results = await asyncio.gather(*futures, return_exceptions=True)
    for row, result in zip(sent, results, strict=True):
        if isinstance(result, BaseException):
            failures.append(Failure(row, result, at_broker=True))
            held.add((row["topic"], row["key"]))
        else:
            acked.append(row)
