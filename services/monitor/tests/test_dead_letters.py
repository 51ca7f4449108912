import asyncio

from aiokafka import AIOKafkaProducer
from contracts.examples import example
from shared.dlq import FailedMessage, dead_letter
from testkit.harness.events import TopicReader, eventually, publish, publish_raw

from contracts import ApplicantErased

from .conftest import submitted, wait_logged


async def dead_letter_as(service, event, consumer="matching", offset=42) -> None:
    """What another service's EventConsumer does after its handler failed three times."""
    s = service.settings
    producer = AIOKafkaProducer(bootstrap_servers=s.kafka_bootstrap_servers)
    await producer.start()
    try:
        msg = FailedMessage(topic=s.topic("applications"), partition=1, offset=offset,
                            key=event.key().encode(), value=event.to_bytes())
        await dead_letter(producer, msg, consumer, "handler_failed", "RuntimeError('boom')", 3)
    finally:
        await producer.stop()


async def listed(service, headers, **params) -> list[dict]:
    response = await service.client.get("/dead-letters", headers=headers, params=params)
    assert response.status_code == 200
    return response.json()["items"]


async def test_a_dead_letter_is_listed_with_reason_and_position_and_no_personal_data(
        fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    event = submitted()
    await dead_letter_as(service, event, offset=42)
    [item] = await eventually(lambda: listed(service, hr))

    [failure] = item["failures"]
    assert item["consumers"] == ["matching"] and failure["reason"] == "handler_failed"
    assert failure["error"] == "RuntimeError('boom')" and failure["attempts"] == 3
    assert (item["original_topic"], item["original_partition"], item["original_offset"]) == (
        service.settings.topic("applications"), 1, 42)
    assert item["value"]["event_id"] == str(event.event_id)
    assert event.applicant_email not in str(item) and event.applicant_name not in str(item)


async def test_a_replayed_dead_letter_is_published_and_processed_once(fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    event = submitted()
    await dead_letter_as(service, event)
    [item] = await eventually(lambda: listed(service, hr))
    topic = service.settings.topic("applications")

    async with TopicReader(service.settings.kafka_bootstrap_servers, topic) as reader:
        first = await service.client.post(f"/dead-letters/{item['id']}/replay", headers=hr)
        assert first.status_code == 200 and first.json()["replayed_by"] == "hr-1"
        again = await service.client.post(f"/dead-letters/{item['id']}/replay", headers=hr)
        assert again.status_code == 409 and again.json()["field"] == "dead_letter_id"
        rest = await service.client.post("/dead-letters/replay-all", headers=hr)
        assert rest.json() == {"replayed": 0, "ids": []}
        await wait_logged(service, event)
        await reader.wait_for(lambda records: len(records) >= 1)
        await drain(reader)
        copies = [r for r in reader.records if r.value == event.to_bytes()]

    assert len(copies) == 1
    assert dict(copies[0].headers)["x-replay-of-dead-letter"] == str(item["id"]).encode()
    logged = await service.runtime.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_id = $1", event.event_id)
    assert logged == 1
    assert await listed(service, hr) == []
    [done] = await listed(service, hr, include_replayed="true")
    assert done["replayed_at"] is not None


async def test_concurrent_replay_all_calls_publish_each_letter_once(fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    events = [submitted() for _ in range(4)]
    for i, e in enumerate(events):
        await dead_letter_as(service, e, offset=100 + i)
    await eventually(lambda: _count(listed(service, hr), 4))

    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("applications")) as reader:
        a, b = await asyncio.gather(
            service.client.post("/dead-letters/replay-all", headers=hr),
            service.client.post("/dead-letters/replay-all", headers=hr))
        ids = a.json()["ids"] + b.json()["ids"]
        assert sorted(ids) == sorted(set(ids)) and len(ids) == 4
        await reader.wait_for(lambda records: len(records) >= 4)
        await wait_logged(service, *events)
        await drain(reader)
    assert sorted(r.value for r in reader.records) == sorted(e.to_bytes() for e in events)


async def test_a_message_the_monitor_cannot_read_becomes_a_dead_letter_it_lists(fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    await publish_raw(service.settings.kafka_bootstrap_servers,
                      service.settings.topic("placements"), b"{not json", key=b"k")
    [item] = await eventually(lambda: listed(service, hr))
    assert item["consumers"] == ["monitor"]
    assert item["failures"][0]["reason"] == "invalid_message"
    assert item["original_topic"] == service.settings.topic("placements")
    assert item["value"] == "<9 bytes, not JSON>"


async def test_replaying_an_unknown_dead_letter_is_a_404_and_needs_hr(fresh_service):
    service = fresh_service
    missing = await service.client.post("/dead-letters/999/replay",
                                        headers=service.auth("hr-1", "hr"))
    assert missing.status_code == 404
    host = service.auth("h", "host", org="org-windco")
    assert (await service.client.post("/dead-letters/999/replay", headers=host)).status_code == 403


async def drain(reader: TopicReader) -> None:
    """Read to the end: every replay was acknowledged before its HTTP call returned, so any
    second copy is already in the topic."""
    while batch := await reader.consumer.getmany(timeout_ms=500):
        for records in batch.values():
            reader.records.extend(records)


async def _count(items, n) -> bool:
    return len(await items) == n


async def test_erasing_an_applicant_blanks_their_dead_letters_and_blocks_replay(fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    theirs, someone_else = submitted(), submitted()
    await dead_letter_as(service, theirs, offset=7)
    await dead_letter_as(service, someone_else, offset=8)
    await eventually(lambda: _count(listed(service, hr), 2))

    erased = example(ApplicantErased, applicant_id=theirs.applicant_id,
                     application_ids=(theirs.application_id,))
    await publish(service.settings.kafka_bootstrap_servers, service.settings.topic_prefix,
                  erased)
    await wait_logged(service, erased)

    items = {i["original_offset"]: i for i in await listed(service, hr)}
    assert items[7]["value"] == "<erased>" and items[7]["erased_at"]
    assert items[8]["value"]["event_id"] == str(someone_else.event_id)
    raw = await service.runtime.pool.fetchval(
        "SELECT value FROM dead_letters WHERE original_offset = 7")
    assert raw == b""
    refused = await service.client.post(f"/dead-letters/{items[7]['id']}/replay", headers=hr)
    assert refused.status_code == 409
    assert (await service.client.post("/dead-letters/replay-all", headers=hr)).json()[
        "ids"] == [items[8]["id"]]


async def test_one_poison_record_failed_by_four_consumers_is_one_row_naming_each_and_one_replay(
        fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    event = submitted()
    consumers = ["matching", "approval", "notification", "applicant"]
    for consumer in consumers:  # each consumer dead-letters the same record (same position)
        await dead_letter_as(service, event, consumer=consumer, offset=77)
    await eventually(lambda: _letters(service, 4))

    [item] = await listed(service, hr)
    assert item["consumers"] == consumers
    assert [f["consumer"] for f in item["failures"]] == consumers
    assert item["original_offset"] == 77 and item["value"]["event_id"] == str(event.event_id)

    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("applications")) as reader:
        one = await service.client.post(f"/dead-letters/{item['failures'][2]['dead_letter_id']}"
                                        "/replay", headers=hr)
        assert one.status_code == 200, one.text
        assert one.json()["id"] == item["id"] and one.json()["replayed_by"] == "hr-1"
        assert all(f["replayed_at"] for f in one.json()["failures"])
        rest = await service.client.post("/dead-letters/replay-all", headers=hr)
        assert rest.json() == {"replayed": 0, "ids": []}
        await wait_logged(service, event)
        await reader.wait_for(lambda records: len(records) >= 1)
        await drain(reader)
    assert [r.value for r in reader.records] == [event.to_bytes()]
    assert await listed(service, hr) == []


async def test_replay_all_publishes_a_record_that_several_consumers_failed_on_once(
        fresh_service):
    service, hr = fresh_service, fresh_service.auth("hr-1", "hr")
    shared, alone = submitted(), submitted()
    await dead_letter_as(service, shared, consumer="matching", offset=5)
    await dead_letter_as(service, shared, consumer="approval", offset=5)
    await dead_letter_as(service, alone, consumer="matching", offset=6)
    await eventually(lambda: _letters(service, 3))
    assert len(await listed(service, hr)) == 2

    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("applications")) as reader:
        done = (await service.client.post("/dead-letters/replay-all", headers=hr)).json()
        assert done["replayed"] == 2
        await reader.wait_for(lambda records: len(records) >= 2)
        await wait_logged(service, shared, alone)
        await drain(reader)
    assert sorted(r.value for r in reader.records) == sorted(
        [shared.to_bytes(), alone.to_bytes()])


async def _letters(service, n: int) -> bool:
    return await service.runtime.pool.fetchval("SELECT count(*) FROM dead_letters") == n
