"""Consumer pipeline: parse, inbox + effect in one transaction, retry, dead-letter, then commit.

Offsets are committed only after the transaction (or the DLQ publish) succeeded. A transient
failure (database or broker away) rewinds the partition so the message is read again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from contracts import ContractError, Event, parse_event
from shared import inbox
from shared.dlq import FailedMessage, dead_letter
from shared.logging import bound_contextvars, get_logger
from shared.metrics import PlumbingMetrics

log = get_logger(__name__)
AfterCommit = Callable[[], Awaitable[None]]
Handler = Callable[[asyncpg.Connection, Any], Awaitable[AfterCommit | None]]
# Failures that say "try again later" rather than "this message is bad".
TRANSIENT = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
             asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError)
TRANSIENT_BACKOFF_SECONDS = 1.0


class EventConsumer:
    """One logical consumer (one inbox name, one consumer group) with a handler per event type."""

    def __init__(self, name: str, pool: asyncpg.Pool, dlq_producer: AIOKafkaProducer,
                 metrics: PlumbingMetrics | None = None, max_attempts: int = 3,
                 retry_backoff: float = 0.05, group_prefix: str = "") -> None:
        self.name = name
        # The topic prefix: systems sharing one broker under different prefixes must not share
        # (and rebalance) one consumer group, least of all when one of them is SIGKILLed.
        self.group_id = group_prefix + name
        self.pool = pool
        self.dlq_producer = dlq_producer
        self.metrics = metrics or PlumbingMetrics()
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self._handlers: dict[type[Event], Handler] = {}

    def on(self, event_type: type[Event], handler: Handler) -> EventConsumer:
        self._handlers[event_type] = handler
        return self

    def attach(self, broker: KafkaBroker, *topics: str, **subscriber_kwargs: Any) -> None:
        """Subscribe on a FastStream broker; must happen before the broker starts."""
        kwargs = {"group_id": self.group_id, "auto_offset_reset": "earliest",
                  "ack_policy": AckPolicy.MANUAL, "decoder": _raw_body, **subscriber_kwargs}

        @broker.subscriber(*topics, **kwargs)
        async def _on_message(body: bytes, message: KafkaMessage) -> None:
            await self._consume(message)

    async def _consume(self, message: KafkaMessage) -> None:
        try:
            await self.process(failed_message(message.raw_message))
        except TRANSIENT as exc:
            log.warning("transient failure; message will be redelivered", error=repr(exc))
            await asyncio.sleep(TRANSIENT_BACKOFF_SECONDS)
            await message.nack()
            return
        await message.ack()

    async def process(self, msg: FailedMessage) -> str:
        """Handle one record; returns the outcome (applied, duplicate, ignored, dead_lettered)."""
        try:
            event = parse_event(msg.value)
        except ContractError as exc:
            return await self._dead_letter(msg, "invalid_message", str(exc), attempts=1)
        with bound_contextvars(correlation_id=str(event.correlation_id),
                               event_type=event.event_type, event_id=str(event.event_id)):
            return await self._handle_with_retries(msg, event)

    async def _handle_with_retries(self, msg: FailedMessage, event: Event) -> str:
        last_error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            started = time.perf_counter()
            try:
                outcome = await self._apply(msg, event)
            except TRANSIENT:
                raise
            except Exception as exc:  # the handler's own failure: retry, then dead-letter
                last_error = exc
                log.warning("handler failed", attempt=attempt, error=repr(exc))
                await asyncio.sleep(self.retry_backoff * attempt)
                continue
            self.metrics.handler_seconds.labels(self.name, msg.topic).observe(
                time.perf_counter() - started)
            self.metrics.consumed.labels(self.name, msg.topic, outcome).inc()
            return outcome
        return await self._dead_letter(msg, "handler_failed", repr(last_error),
                                       attempts=self.max_attempts)

    async def _apply(self, msg: FailedMessage, event: Event) -> str:
        handler = self._handlers.get(type(event))
        after_commit = None
        async with self.pool.acquire() as conn, conn.transaction():
            if not await inbox.record(conn, self.name, event, msg.topic):
                return "duplicate"
            if handler is not None:
                after_commit = await handler(conn, event)
        if after_commit is not None:
            await after_commit()
        return "applied" if handler else "ignored"

    async def _dead_letter(self, msg: FailedMessage, reason: str, error: str,
                           attempts: int) -> str:
        log.error("dead-lettering message", reason=reason, error=error, topic=msg.topic,
                  partition=msg.partition, offset=msg.offset)
        await dead_letter(self.dlq_producer, msg, self.name, reason, error, attempts)
        self.metrics.dead_lettered.labels(self.name, msg.topic, reason).inc()
        self.metrics.consumed.labels(self.name, msg.topic, "dead_lettered").inc()
        return "dead_lettered"


async def _raw_body(message: Any) -> bytes:
    # Keep the raw bytes: parsing belongs to the pipeline, so bad JSON can be dead-lettered.
    return message.body


def failed_message(record: Any) -> FailedMessage:
    return FailedMessage(topic=record.topic, partition=record.partition, offset=record.offset,
                         key=record.key, value=record.value or b"",
                         headers=tuple(record.headers or ()))
