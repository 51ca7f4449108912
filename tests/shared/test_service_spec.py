"""A service spec: its topics come from the event types it handles; its dead-letter reader never
acknowledges past a letter it failed on (real broker and database); its workers run on the one
worker loop, which survives a failing step and answers a wake-up at once."""

import uuid

import pytest
from aiokafka import AIOKafkaProducer
from shared.dlq import FailedMessage
from shared.service import run_service
from shared.spec import ServiceSpec
from shared.workers import WorkerLoop
from testkit.harness.events import eventually

from contracts import ApplicantErased, MatchProposed, PlacementConfirmed, PlacementRejected

from .conftest import MIGRATIONS


async def _nothing(*_args) -> None:
    return None


def spec(**kwargs) -> ServiceSpec:
    return ServiceSpec(name="kit", title="kit", description="test", migrations=MIGRATIONS,
                       build=lambda rt: rt, **kwargs)


def test_a_spec_consumes_the_topics_of_its_event_types_in_catalogue_order():
    handlers = dict.fromkeys((PlacementRejected, MatchProposed, PlacementConfirmed,
                              ApplicantErased), _nothing)
    assert spec(handlers=handlers).consumes == ("applications", "matches", "placements")
    assert spec(handlers=handlers).dead_letters_written == (
        "applications.dlq", "matches.dlq", "placements.dlq")
    assert spec().consumes == () and spec().dead_letter_topics == ()


def test_a_spec_with_a_dead_letter_handler_reads_every_dead_letter_topic():
    topics = spec(dead_letters=_nothing).dead_letter_topics
    assert "applications.dlq" in topics and "notifications.dlq" in topics
    assert all(t.endswith(".dlq") for t in topics) and len(topics) == 6


async def test_the_dead_letter_reader_rereads_a_letter_its_handler_failed_on(settings):
    failures = {"left": 1}

    async def keep(_rt, conn, msg: FailedMessage) -> None:
        if msg.value == b"first" and failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the database hiccupped")
        await conn.execute("INSERT INTO effects (event_id, detail) VALUES ($1, $2)",
                           uuid.uuid4(), msg.value.decode())

    async with run_service(settings, MIGRATIONS, spec(dead_letters=keep).wire) as runtime:
        await _send(settings.kafka_bootstrap_servers, settings.topic("matches.dlq"),
                    b"first", b"second")

        async def both() -> bool:
            rows = await runtime.pool.fetch("SELECT detail FROM effects ORDER BY id")
            return [r["detail"] for r in rows] == ["first", "second"]

        # Without the reread, "second" is stored and its ack commits past "first" for good.
        await eventually(both, timeout=30)
    assert failures["left"] == 0


async def _send(bootstrap: str, topic: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def test_the_spec_refuses_settings_of_another_service(settings):
    other = ServiceSpec(name="not-kit", title="x", description="x", migrations=MIGRATIONS,
                        build=lambda rt: rt)
    with pytest.raises(ValueError, match="not-kit"):
        async with run_service(settings, MIGRATIONS, other.wire):
            pass


async def test_a_failing_worker_step_is_retried_and_does_not_end_the_loop():
    calls: list[str] = []

    async def step() -> bool:
        calls.append("step")
        if len(calls) == 1:
            raise OSError("database away")
        return False

    loop = WorkerLoop("test worker", step, poll_seconds=0.05)
    await loop.start()
    try:
        await eventually(lambda: len(calls) >= 3, timeout=10)
    finally:
        await loop.stop()


async def test_a_woken_worker_loop_steps_again_without_waiting_for_its_poll():
    calls: list[str] = []

    async def step() -> bool:
        calls.append("step")
        return False

    loop = WorkerLoop("test worker", step, poll_seconds=60.0)
    await loop.start()
    try:
        await eventually(lambda: len(calls) == 1, timeout=5)
        loop.wake()
        await eventually(lambda: len(calls) == 2, timeout=5)
    finally:
        await loop.stop()
