"""Consumer pipeline: parse, inbox + effect in one transaction, retry, dead-letter, then commit.

Records arrive in batches (one `getmany`). A batch is applied in ONE transaction: one inbox
insert for all its events, each handler in order (the outbox rows and the effect rows they hold
with `shared.unit_of_work.execute_held` written once at the end), one commit, one offset
commit. Per-event transactions and offset commits cost a round trip (and an fsync) each and
capped a hop near 200 events/s. If any handler in the batch fails, the transaction rolls back
and the batch is handled again one record at a time, with the per-record retries and
dead-lettering, so one bad record never holds up or poisons its neighbours.

Offsets are committed only after the transaction (or the DLQ publish) succeeded. A transient
failure (database or broker away) rewinds each partition so the batch is read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from contracts.catalogue import EVENT_CLASSES
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError

from contracts import ContractError, Event, parse_event
from shared import inbox, tracing
from shared.dlq import FailedMessage, dead_letter, failed_message
from shared.logging import binding, get_logger
from shared.metrics import PlumbingMetrics
from shared.outbox import Outbox
from shared.unit_of_work import holding_writes

log = get_logger(__name__)
AfterCommit = Callable[[], Awaitable[None]]
Handler = Callable[[asyncpg.Connection, Any], Awaitable[AfterCommit | None]]
# Failures that say "try again later" rather than "this message is bad".
# InternalClientError: asyncpg's state goes wrong when the server dies mid-statement
# (MagicStack/asyncpg#1069), as in the PostgreSQL-kill fault run.
TRANSIENT = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
             asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError,
             asyncpg.InternalClientError)
TRANSIENT_BACKOFF_SECONDS = 1.0
# The record whose event a handler is handling, for handlers that key on Kafka positions.
current_message: contextvars.ContextVar[FailedMessage] = contextvars.ContextVar("current_message")
_untraced = contextlib.nullcontext()


class EventConsumer:
    """One logical consumer (one inbox name, one consumer group) with a handler per event type."""

    def __init__(self, name: str, pool: asyncpg.Pool, dlq_producer: AIOKafkaProducer,
                 metrics: PlumbingMetrics | None = None, max_attempts: int = 3,
                 retry_backoff: float = 0.05, group_prefix: str = "", batch_size: int = 100,
                 batch_wait_ms: int = 10, outbox: Outbox | None = None) -> None:
        self.name = name
        # The topic prefix: systems sharing one broker under different prefixes must not share
        # (and rebalance) one consumer group, least of all when one of them is SIGKILLed.
        self.group_id = group_prefix + name
        self.pool = pool
        self.dlq_producer = dlq_producer
        self.metrics = metrics or PlumbingMetrics()
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.batch_size = batch_size
        self.batch_wait_ms = batch_wait_ms
        self.outbox = outbox  # its adds are held and written once per batch
        self._handlers: dict[type[Event], Handler] = {}
        self._timers: dict[str, Any] = {}

    def on(self, event_type: type[Event], handler: Handler) -> EventConsumer:
        self._handlers[event_type] = handler
        return self

    def attach(self, broker: KafkaBroker, *topics: str, **subscriber_kwargs: Any) -> None:
        """Subscribe on a FastStream broker; must happen before the broker starts."""
        # batch_timeout_ms bounds an idle poll (FastStream also sleeps that long after an empty
        # one), so it is the latency a quiet consumer adds; a busy one gets records at once.
        kwargs = {"group_id": self.group_id, "auto_offset_reset": "earliest",
                  "ack_policy": AckPolicy.MANUAL, "decoder": _the_message, "batch": True,
                  "max_records": self.batch_size, "batch_timeout_ms": self.batch_wait_ms,
                  **subscriber_kwargs}

        @broker.subscriber(*topics, **kwargs)
        async def _on_batch(message: Any) -> None:
            await self._consume(message)

    async def _consume(self, message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        try:
            await self.process_batch([failed_message(r) for r in records])
        except TRANSIENT as exc:
            log.warning("transient failure; batch will be redelivered", error=repr(exc))
            await asyncio.sleep(TRANSIENT_BACKOFF_SECONDS)
            await message.nack()
            return
        await message.ack()

    async def process_batch(self, msgs: list[FailedMessage]) -> list[str]:
        """Handle records in order; returns each one's outcome (see `process`)."""
        if len(msgs) <= 1:
            return [await self.process(m) for m in msgs]
        parsed: list[tuple[FailedMessage, Event]] = []
        for msg in msgs:
            with contextlib.suppress(ContractError):
                parsed.append((msg, parse(msg)))
        try:
            outcomes = await self._apply_batch(parsed)
        except TRANSIENT:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad record: redo them one by one
            log.warning("batch failed; handling it record by record", error=repr(exc),
                        records=len(msgs))
            return [await self.process(m) for m in msgs]
        for msg in msgs:  # unparseable ones: dead-letter after their neighbours committed
            if id(msg) not in outcomes:
                outcomes[id(msg)] = await self.process(msg)
        return [outcomes[id(m)] for m in msgs]

    async def _apply_batch(self, parsed: list[tuple[FailedMessage, Event]]) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        after_commits: list[AfterCommit] = []
        traced = tracing.recording()  # asked once a batch: it reads the environment
        async with self.pool.acquire() as conn, self._batch_span(parsed):
            async with conn.transaction(), self._outbox_held(conn), holding_writes(conn):
                fresh = await inbox.record_many(conn, self.name,
                                                [(e.event_id, m.topic) for m, e in parsed])
                for msg, event in parsed:
                    if event.event_id not in fresh:
                        outcomes[id(msg)] = "duplicate"
                        continue
                    fresh.discard(event.event_id)  # a repeat later in this batch is a duplicate
                    with tracing.processing(msg, self.group_id) if traced else _untraced:
                        outcome, after = await self._run_handler(conn, msg, event)
                    outcomes[id(msg)] = outcome
                    if after is not None:
                        after_commits.append(after)
            for after in after_commits:
                await after()
        counts = Counter((m.topic, outcomes[id(m)]) for m, _ in parsed)
        for (topic, outcome), n in counts.items():
            self.metrics.consumed.labels(self.name, topic, outcome).inc(n)
        return outcomes

    @contextlib.asynccontextmanager
    async def _batch_span(self, parsed: list[tuple[FailedMessage, Event]]
                          ) -> AsyncIterator[None]:
        with tracing.processing_batch((m for m, _ in parsed), self.group_id):
            yield

    def _outbox_held(self, conn: asyncpg.Connection) -> AbstractAsyncContextManager:
        return self.outbox.held(conn) if self.outbox else contextlib.nullcontext()

    async def _run_handler(self, conn: asyncpg.Connection, msg: FailedMessage,
                           event: Event) -> tuple[str, AfterCommit | None]:
        handler = self._handlers.get(type(event))
        if handler is None:
            return "ignored", None
        started = time.perf_counter()
        with _handling(msg, event):
            after = await handler(conn, event)
        self._handler_seconds(msg.topic).observe(time.perf_counter() - started)
        return "applied", after

    def _handler_seconds(self, topic: str) -> Any:
        """The histogram's child for `topic`, looked up once (`labels` costs more than the
        observation)."""
        child = self._timers.get(topic)
        if child is None:
            child = self._timers[topic] = self.metrics.handler_seconds.labels(self.name, topic)
        return child

    async def process(self, msg: FailedMessage) -> str:
        """Handle one record; returns the outcome (applied, duplicate, ignored, dead_lettered)."""
        try:
            event = parse(msg)
        except ContractError as exc:
            return await self._dead_letter(msg, "invalid_message", str(exc), attempts=1)
        return await self._handle_with_retries(msg, event)

    async def _handle_with_retries(self, msg: FailedMessage, event: Event) -> str:
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = await self._apply(msg, event)
            except TRANSIENT:
                raise
            except Exception as exc:  # the handler's own failure: retry, then dead-letter
                last_error = exc
                log.warning("handler failed", attempt=attempt, error=repr(exc),
                            event_type=event.event_type, event_id=str(event.event_id))
                await asyncio.sleep(self.retry_backoff * attempt)
                continue
            self.metrics.consumed.labels(self.name, msg.topic, outcome).inc()
            return outcome
        return await self._dead_letter(msg, "handler_failed", repr(last_error),
                                       attempts=self.max_attempts)

    async def _apply(self, msg: FailedMessage, event: Event) -> str:
        after_commit = None
        with tracing.processing(msg, self.group_id):
            async with self.pool.acquire() as conn, conn.transaction():
                if not await inbox.record(conn, self.name, event, msg.topic):
                    return "duplicate"
                outcome, after_commit = await self._run_handler(conn, msg, event)
        if after_commit is not None:
            await after_commit()
        return outcome

    async def _dead_letter(self, msg: FailedMessage, reason: str, error: str,
                           attempts: int) -> str:
        log.error("dead-lettering message", reason=reason, error=error, topic=msg.topic,
                  partition=msg.partition, offset=msg.offset)
        await dead_letter(self.dlq_producer, msg, self.name, reason, error, attempts)
        self.metrics.dead_lettered.labels(self.name, msg.topic, reason).inc()
        self.metrics.consumed.labels(self.name, msg.topic, "dead_lettered").inc()
        return "dead_lettered"


@contextlib.contextmanager
def _handling(msg: FailedMessage, event: Event) -> Iterator[None]:
    token = current_message.set(msg)
    try:
        with binding(correlation_id=str(event.correlation_id), event_type=event.event_type,
                     event_id=str(event.event_id)):
            yield
    finally:
        current_message.reset(token)


def parse(msg: FailedMessage) -> Event:
    """`parse_event(msg.value)`, in one pass when the record's headers name its class (the
    outbox writes event_type and schema_version into every record's headers): pydantic reads
    the JSON itself, about half the time of json.loads, the tolerant reader's field filter and
    a validation. Anything that does not fit that way (no such headers, a field added by a
    newer producer, a bad record) goes the tolerant way, which also names what is wrong."""
    cls = _class_in_headers(msg.headers)
    if cls is not None:
        with contextlib.suppress(ValidationError):
            return cls.model_validate_json(msg.value)
    return parse_event(msg.value)


def _class_in_headers(headers: tuple[tuple[str, bytes], ...]) -> type[Event] | None:
    event_type = version = None
    for key, value in headers:
        if key == "event_type":
            event_type = value
        elif key == "schema_version":
            version = value
    if not isinstance(event_type, bytes) or not isinstance(version, bytes) \
            or not version.isdigit():
        return None
    with contextlib.suppress(UnicodeDecodeError):
        return EVENT_CLASSES.get((event_type.decode(), int(version)))
    return None


async def _the_message(message: KafkaMessage) -> KafkaMessage:
    """The batch's message as the handler's one argument. Parsing belongs to the pipeline (bad
    JSON is dead-lettered), which reads the raw records; and a `message: KafkaMessage`
    parameter is a context field FastStream resolves in its thread pool, a thread hop for
    every batch (a tenth of a loaded hop's time)."""
    return message


__all__ = ["TRANSIENT", "AfterCommit", "EventConsumer", "Handler", "current_message",
           "failed_message", "parse"]
