"""Dead letters: the original bytes go to `<topic>.dlq` with headers saying what went wrong;
`attach_dead_letter_reader` is the one way a service reads them back (monitor, notification)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from contracts.topics import DLQ_SUFFIX
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from shared.logging import get_logger

log = get_logger(__name__)

# Header names a DLQ reader (the monitor) relies on.
H_REASON = "x-dlq-reason"
H_ERROR = "x-dlq-error"
H_CONSUMER = "x-dlq-consumer"
H_TOPIC = "x-dlq-original-topic"
H_PARTITION = "x-dlq-original-partition"
H_OFFSET = "x-dlq-original-offset"
H_FAILED_AT = "x-dlq-failed-at"
H_ATTEMPTS = "x-dlq-attempts"


@dataclass(frozen=True)
class FailedMessage:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()


def dlq_topic(topic: str) -> str:
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def dlq_headers(msg: FailedMessage, consumer: str, reason: str, error: str,
                attempts: int) -> list[tuple[str, bytes]]:
    ours = {
        H_REASON: reason,
        H_ERROR: error[:2000],
        H_CONSUMER: consumer,
        H_TOPIC: msg.topic,
        H_PARTITION: str(msg.partition),
        H_OFFSET: str(msg.offset),
        H_FAILED_AT: datetime.now(UTC).isoformat(),
        H_ATTEMPTS: str(attempts),
    }
    kept = [(k, v) for k, v in msg.headers if not k.startswith("x-dlq-")]
    return kept + [(k, v.encode()) for k, v in ours.items()]


async def dead_letter(producer: AIOKafkaProducer, msg: FailedMessage, consumer: str,
                      reason: str, error: str, attempts: int = 1) -> None:
    """Publish and wait for the broker's ack, so the caller may then commit past the message."""
    await producer.send_and_wait(dlq_topic(msg.topic), value=msg.value, key=msg.key,
                                 headers=dlq_headers(msg, consumer, reason, error, attempts))


def failed_message(record: Any) -> FailedMessage:
    return FailedMessage(topic=record.topic, partition=record.partition, offset=record.offset,
                         key=record.key, value=record.value or b"",
                         headers=tuple(record.headers or ()))


# Runs in the reader's transaction; may return a callback to run after the commit.
DeadLetterHandler = Callable[[asyncpg.Connection, FailedMessage],
                             Awaitable[Callable[[], Awaitable[None]] | None]]
REREAD_BACKOFF_SECONDS = 1.0


def attach_dead_letter_reader(broker: KafkaBroker, pool: asyncpg.Pool, topics: list[str],
                              group_id: str, handle: DeadLetterHandler,
                              backoff: float = REREAD_BACKOFF_SECONDS) -> None:
    """Subscribe `handle` to dead-letter topics; must happen before the broker starts.

    A plain subscriber, not EventConsumer: a dead letter need not be a valid event, and one
    that fails here must not be dead-lettered again into `<topic>.dlq.dlq`. With manual acks an
    ack commits the consumer's position, so a failed record must never be followed by an ack
    past it: on ANY failure the partition is rewound to it (nack) and it is read again after a
    pause, until it goes through. A dead letter is never skipped.
    """

    @broker.subscriber(*topics, group_id=group_id, auto_offset_reset="earliest",
                       ack_policy=AckPolicy.MANUAL, decoder=_raw_body)
    async def _on_dead_letter(body: bytes, message: KafkaMessage) -> None:
        msg = failed_message(message.raw_message)
        try:
            async with pool.acquire() as conn, conn.transaction():
                after = await handle(conn, msg)
        except Exception as exc:  # noqa: BLE001 - transient or not, the letter is kept
            log.warning("could not handle a dead letter; will reread it", error=repr(exc),
                        topic=msg.topic, partition=msg.partition, offset=msg.offset,
                        group=group_id)
            await asyncio.sleep(backoff)
            await message.nack()
            return
        await message.ack()
        if after is not None:
            await after()


async def _raw_body(message: Any) -> bytes:
    return message.body
