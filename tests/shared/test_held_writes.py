"""Effect rows a handler holds (`execute_held`) are written once per batch, in order, inside
the batch's transaction: a held row that fails sends the batch down the record-by-record path
like any handler failure. And records are parsed in one pass when their headers name the class,
the tolerant way otherwise."""

import dataclasses
import json

import pytest
from shared.consumer import parse
from shared.dlq import FailedMessage
from shared.outbox import envelope_headers
from shared.service import run_service
from shared.unit_of_work import execute_held, holding_writes
from testkit.harness.events import TopicReader

from contracts import ApplicationWithdrawn, ContractError

from .conftest import MIGRATIONS, withdrawn
from .test_consumer_batches import _nothing, effects, records

INSERT = "INSERT INTO effects (event_id, detail) VALUES ($1, $2)"


def holding_consumer(runtime):
    async def handle(conn, event: ApplicationWithdrawn):
        detail = None if event.reason == "poison" else event.reason  # NOT NULL fails at flush
        await execute_held(conn, INSERT, event.event_id, detail)
        await execute_held(conn, INSERT, event.event_id, f"{detail}!")

    return runtime.consumer("held").on(ApplicationWithdrawn, handle)


def with_headers(event, value: bytes | None = None) -> FailedMessage:
    headers = tuple((k, v.encode()) for k, v in envelope_headers(event).items())
    return FailedMessage(topic="t", partition=0, offset=0, key=b"k",
                         value=event.to_bytes() if value is None else value, headers=headers)


async def test_held_effect_rows_of_a_batch_are_written_in_the_order_the_handlers_held_them(
        settings):
    batch = [withdrawn(r) for r in ("a", "b", "c")]
    async with run_service(settings, MIGRATIONS, lambda rt: _nothing()) as runtime:
        outcomes = await holding_consumer(runtime).process_batch(
            records(settings.topic("applications"), *(e.to_bytes() for e in batch)))
        assert await effects(runtime) == ["a", "a!", "b", "b!", "c", "c!"]
    assert outcomes == ["applied"] * 3


async def test_a_held_row_that_fails_at_the_flush_dead_letters_only_its_own_record(settings):
    topic = settings.topic("applications")
    batch = records(topic, *(withdrawn(r).to_bytes() for r in ("before", "poison", "after")))
    async with run_service(settings, MIGRATIONS, lambda rt: _nothing()) as runtime:
        async with TopicReader(settings.kafka_bootstrap_servers, topic + ".dlq") as dlq:
            outcomes = await holding_consumer(runtime).process_batch(batch)
            letters = await dlq.wait_for(lambda rs: len(rs) >= 1, timeout=30)
        assert await effects(runtime) == ["before", "before!", "after", "after!"]
    assert outcomes == ["applied", "dead_lettered", "applied"]
    assert dict(letters[0].headers)["x-dlq-reason"] == b"handler_failed"


async def test_outside_a_batch_a_held_statement_runs_at_once_and_inside_nothing_runs_early(
        settings):
    async with run_service(settings, MIGRATIONS, lambda rt: _nothing()) as runtime:
        async with runtime.pool.acquire() as conn, conn.transaction():
            await execute_held(conn, INSERT, withdrawn().event_id, "now")
            assert await conn.fetchval("SELECT count(*) FROM effects") == 1
            async with holding_writes(conn):
                await execute_held(conn, INSERT, withdrawn().event_id, "later")
                assert await conn.fetchval("SELECT count(*) FROM effects") == 1
            assert await conn.fetchval("SELECT count(*) FROM effects") == 2


def test_a_record_whose_headers_name_its_class_parses_to_the_same_event():
    event = withdrawn("fast")
    assert parse(with_headers(event)) == event


def test_a_field_from_a_newer_producer_is_dropped_rather_than_dead_lettered():
    event = withdrawn("newer")
    body = json.dumps({**json.loads(event.to_bytes()), "added_later": 1}).encode()
    assert parse(with_headers(event, body)) == event


def test_headers_that_name_another_class_do_not_change_what_the_body_is():
    event = withdrawn("mislabelled")
    msg = dataclasses.replace(with_headers(event), headers=(
        ("event_type", b"MatchProposed"), ("schema_version", b"1")))
    assert parse(msg) == event


@pytest.mark.parametrize("value", [b"{not json", b"[]", b'{"event_type": "ApplicationWithdrawn"}'])
def test_a_bad_record_with_good_headers_is_still_a_contract_error(value):
    with pytest.raises(ContractError):
        parse(with_headers(withdrawn(), value))
