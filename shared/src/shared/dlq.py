"""Dead letters: the original bytes go to `<topic>.dlq` with headers saying what went wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from contracts.topics import DLQ_SUFFIX

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
