"""Against the real broker and database: redelivery has one effect; bad messages go to the DLQ
and the consumer carries on with the next good one."""

import json

from shared.dlq import H_CONSUMER, H_OFFSET, H_REASON, H_TOPIC
from shared.service import run_service
from testkit.harness.events import TopicReader, eventually, publish, publish_raw

from contracts import ApplicationWithdrawn
from shared import inbox

from .conftest import MIGRATIONS, withdrawn


async def effects(runtime) -> list[str]:
    return [r["detail"] for r in await runtime.pool.fetch("SELECT detail FROM effects ORDER BY id")]


def recording_wire(fail_on: str | None = None):
    async def wire(runtime):
        async def handle(conn, event: ApplicationWithdrawn):
            if event.reason == fail_on:
                raise RuntimeError("handler always fails for this one")
            await conn.execute("INSERT INTO effects (event_id, detail) VALUES ($1, $2)",
                               event.event_id, event.reason)

        runtime.consumer("kit").on(ApplicationWithdrawn, handle).attach(
            runtime.broker, *runtime.topics("applications"))
        return None

    return wire


async def test_an_event_delivered_three_times_takes_effect_once(settings):
    event = withdrawn("once only")
    async with run_service(settings, MIGRATIONS, recording_wire()) as runtime:
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, event, event, event)
        await eventually(lambda: _duplicates(runtime, 2), timeout=30)
        assert await effects(runtime) == ["once only"]


async def _duplicates(runtime, expected: int) -> bool:
    async with runtime.pool.acquire() as conn:
        return await inbox.duplicates_seen(conn, "kit") == expected


async def test_bad_messages_go_to_the_dlq_with_their_reason_and_the_next_good_one_is_processed(
        settings):
    topic = settings.topic("applications")
    bootstrap = settings.kafka_bootstrap_servers
    wrong_schema = json.dumps({"event_type": "ApplicationWithdrawn", "schema_version": 1,
                               "producer": "test", "application_id": "not-a-uuid"}).encode()
    async with run_service(settings, MIGRATIONS, recording_wire(fail_on="poison")) as runtime:
        async with TopicReader(bootstrap, topic + ".dlq") as dlq:
            await publish_raw(bootstrap, topic, b"{not json", key=b"k1")
            await publish_raw(bootstrap, topic, wrong_schema, key=b"k1")
            await publish(bootstrap, settings.topic_prefix, withdrawn("poison"))
            await publish(bootstrap, settings.topic_prefix, withdrawn("good after bad"))
            records = await dlq.wait_for(lambda rs: len(rs) >= 3, timeout=30)
            await eventually(lambda: _has_effect(runtime, "good after bad"), timeout=30)

    headers = [dict(r.headers) for r in records]
    assert all(h[H_TOPIC].decode() == topic and h[H_CONSUMER] == b"kit" for h in headers)
    # The two unreadable records share a key, so a partition, and keep their order; the
    # poison event has its own key, so it may be dead-lettered before or after them.
    invalid = [h["x-dlq-error"] for h in headers if h[H_REASON] == b"invalid_message"]
    failed = [h["x-dlq-error"] for h in headers if h[H_REASON] == b"handler_failed"]
    assert len(invalid) == 2 and len(failed) == 1, [h[H_REASON] for h in headers]
    assert b"malformed JSON" in invalid[0]
    assert b"application_id" in invalid[1]
    assert b"always fails" in failed[0]
    assert all(h[H_OFFSET].decode().isdigit() for h in headers)
    assert records[0].value == b"{not json"


async def _has_effect(runtime, detail: str) -> bool:
    return detail in await effects(runtime)
