"""Inputs found by fuzzing (tests/security/test_fuzz.py) that once gave a 500."""

from testkit.harness.errors import HUGE


async def test_ids_and_cursors_past_bigint_are_a_422_naming_them_not_a_500(service):
    hr = service.auth("hr-1", "hr")
    r = await service.client.post(f"/dead-letters/{HUGE}/replay", headers=hr)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "dead_letter_id"
    r = await service.client.get("/dead-letters", params={"before": HUGE}, headers=hr)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "before"
    r = await service.client.get("/stream", params={"last_event_id": str(HUGE)}, headers=hr)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "Last-Event-ID"


async def test_many_concurrent_replays_of_a_missing_dead_letter_all_get_404_quickly(service):
    # Each replay once held a pooled connection while asking the pool for another: more
    # concurrent replays than pool connections deadlocked the service.
    import asyncio

    hr = service.auth("hr-1", "hr")
    many = 3 * service.settings.db_pool_max
    answers = await asyncio.wait_for(asyncio.gather(*(
        service.client.post("/dead-letters/999999999/replay", headers=hr)
        for _ in range(many))), timeout=30)
    assert {r.status_code for r in answers} == {404}
