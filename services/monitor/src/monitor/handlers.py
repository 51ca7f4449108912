"""Use cases: log every event, keep every dead letter, replay dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from shared.consumer import current_message
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.unit_of_work import UnitsOfWork

from contracts import ApplicantErased, Event, redact
from monitor import repository as repo
from monitor.domain import actor_of, application_id_of, dimensions
from monitor.schemas import DeadRecord
from shared import dlq, erasure

log = get_logger(__name__)
DEAD_LETTERS_LOCK = 7_417_005  # orders storing a dead letter against an erasure


class EventLog:
    def __init__(self, topic_prefix: str) -> None:
        self.topic_prefix = topic_prefix

    async def on_dead_letter(self, conn: asyncpg.Connection, msg: dlq.FailedMessage) -> None:
        """Keep a dead letter (shared.dlq's reader rereads it until this succeeds), blanked when
        it names an applicant already erased (it may arrive after them)."""
        await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", DEAD_LETTERS_LOCK)
        dead_letter_id = await repo.insert_dead_letter(conn, dead_letter_row(msg))
        if dead_letter_id is not None:
            await repo.erase_dead_letter_if_erased(conn, dead_letter_id)

    async def on_event(self, conn: asyncpg.Connection, event: Event) -> None:
        msg = current_message.get()  # the log keeps (topic, partition, offset) as its key
        payload = redact(event)
        dims = dimensions(payload)
        await repo.insert_event(conn, repo.NewEvent(
            topic=msg.topic.removeprefix(self.topic_prefix), partition=msg.partition,
            offset=msg.offset, event_id=event.event_id, event_type=event.event_type,
            schema_version=event.schema_version, producer=event.producer,
            correlation_id=event.correlation_id, causation_id=event.causation_id,
            application_id=application_id_of(payload), scheme=dims.scheme,
            sector=dims.sector, region=dims.region,
            actor=actor_of(event.event_type, payload), payload=payload,
            occurred_at=event.occurred_at))
        if isinstance(event, ApplicantErased):
            await erasure.record(conn, event.applicant_id)
            # Exclusive: a dead letter stored meanwhile is either blanked here or sees the
            # tombstone (see on_dead_letter).
            await conn.execute("SELECT pg_advisory_xact_lock($1)", DEAD_LETTERS_LOCK)
            await repo.erase_dead_letters(conn, event.applicant_id)


# Dead letters ---------------------------------------------------------------------------

def dead_letter_row(msg: dlq.FailedMessage) -> dict[str, Any]:
    # PostgreSQL text and jsonb refuse NUL; the reader rereads a letter until it is stored, so
    # one that could never be stored would hold up every letter behind it.
    headers = [(k.replace("\x00", "\ufffd"),
                v.decode("utf-8", "replace").replace("\x00", "\ufffd") if v is not None else None)
               for k, v in msg.headers]
    h = dict(headers)

    def as_int(name: str) -> int | None:
        value = h.get(name)
        return int(value) if value and value.lstrip("-").isdigit() else None

    failed_at = None
    if h.get(dlq.H_FAILED_AT):
        try:
            failed_at = datetime.fromisoformat(h[dlq.H_FAILED_AT])
        except ValueError:
            failed_at = None
    return {"topic": msg.topic, "partition": msg.partition, "offset": msg.offset,
            "original_topic": h.get(dlq.H_TOPIC) or msg.topic.removesuffix(".dlq"),
            "original_partition": as_int(dlq.H_PARTITION),
            "original_offset": as_int(dlq.H_OFFSET), "consumer": h.get(dlq.H_CONSUMER),
            "reason": h.get(dlq.H_REASON), "error": h.get(dlq.H_ERROR),
            "attempts": as_int(dlq.H_ATTEMPTS), "failed_at": failed_at, "key": msg.key,
            "value": msg.value, "headers": headers}


class Replayer:
    """Publishes a dead record's original bytes back to its original topic, once, however
    many consumers dead-lettered it: the consumers that had handled it turn the copy away in
    their inboxes, the ones that failed on it get their second chance.

    Its letters are marked replayed in a transaction that commits only after the broker
    acknowledged the publish: a failed publish leaves them open, and a crash between ack and
    commit replays it a second time, which consumers' inboxes make harmless.
    """

    def __init__(self, pool: asyncpg.Pool, producer: AIOKafkaProducer) -> None:
        self.units = UnitsOfWork(pool)
        self.producer = producer

    async def replay(self, dead_letter_id: int, by: str) -> DeadRecord:
        """Replay the record this letter belongs to; returns the record's view."""
        async with self.units() as uow:
            claimed = await repo.claim_dead_record(uow.conn, dead_letter_id, by)
            if not claimed:
                # On this transaction's own connection: asking the pool for a second one
                # while holding the first starves it under concurrent replays (deadlock).
                if await repo.dead_letter_exists(uow.conn, dead_letter_id):
                    raise Conflict(f"dead letter {dead_letter_id} was already replayed, or "
                                   "erased with its applicant", "dead_letter_id")
                raise NotFound(f"no dead letter with id {dead_letter_id}", "dead_letter_id")
            await self._publish(claimed[0])
            record = await repo.dead_record(uow.conn, dead_letter_id)
        log.info("dead record replayed", dead_letter_id=dead_letter_id, letters=len(claimed),
                 topic=claimed[0]["original_topic"], by=by)
        return DeadRecord.of(record)

    async def replay_all(self, by: str, limit: int) -> list[int]:
        done = []
        for record_id in await repo.open_dead_record_ids(self.units.pool, limit):
            try:
                await self.replay(record_id, by)
            except Conflict:
                continue  # a concurrent replay took it: it is still replayed once
            done.append(record_id)
        return done

    async def _publish(self, row: asyncpg.Record) -> None:
        headers = [(k, (v or "").encode()) for k, v in row["headers"]
                   if not k.startswith("x-dlq-")]
        headers.append(("x-replay-of-dead-letter", str(row["id"]).encode()))
        await self.producer.send_and_wait(row["original_topic"], value=row["value"],
                                          key=row["key"], headers=headers)
