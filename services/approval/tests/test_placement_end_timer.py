"""A started placement ends by itself once its end date is over: a durable timer on the SLA
timers' poller, moved by an extension, cancelled by an early end, fired exactly once however
many pollers race for it or however often it is fired. The clock is driven as the SLA tests
drive theirs: placements whose end date has passed, or a timer's moment moved into the past."""

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from approval import lifecycle
from approval.domain import add_months
from approval.handlers import Approvals
from approval.timers import TimerPoller
from shared.unit_of_work import UnitsOfWork

from .conftest import host, months_from_today, read_all, running_placement, utc_today


def uk_midnight_after(day):
    return datetime.combine(day + timedelta(days=1), time(), ZoneInfo("Europe/London"))


def ends_of(p, events):
    return [e for e in events if e.event_type == "PlacementEnded"
            and e.application_id == p.application_id]


async def end_timer(svc, placement_id):
    async with svc.runtime.pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT t.*, placement_end_moment(p.end_date) AS moment FROM timers t"
            " JOIN placements p ON p.id = t.placement_id"
            " WHERE t.placement_id = $1 AND t.kind = 'placement_end'", placement_id)


async def due_now(svc, placement_id):
    async with svc.runtime.pool.acquire() as conn:
        await conn.execute("UPDATE timers SET fire_at = now() - interval '1 second'"
                           " WHERE placement_id = $1", placement_id)


def units(svc):
    return UnitsOfWork(svc.runtime.pool, svc.runtime.outbox)()


def poller(svc) -> TimerPoller:
    """Another poller over the same database, as a second replica of the service would run."""
    rt = svc.runtime
    return TimerPoller(rt.pool, Approvals(rt.settings, rt.outbox), 60.0)


async def test_a_placement_past_its_end_date_ends_by_itself_once_and_then_takes_feedback(
        service, reader):
    began = months_from_today(-2)
    p, confirmed = await running_placement(service, reader, began, 1)
    ended = await reader.wait_for_event("PlacementEnded",
                                        where=lambda e: e.application_id == p.application_id)
    assert (ended.ended_by, ended.outcome) == ("system", "completed")
    assert (ended.start_date, ended.ended_on) == (began, add_months(began, 1))
    timer = await end_timer(service, confirmed.placement_id)
    assert timer["outcome"] == "fired"
    assert timer["fire_at"] == uk_midnight_after(add_months(began, 1))

    # Fired again with the same (now stale) timer row: nothing happens a second time.
    async with units(service) as uow:
        assert await lifecycle.end_on_schedule(uow.conn, uow.outbox, timer) == "skipped"
    everything = await read_all(service.settings.kafka_bootstrap_servers,
                                service.settings.topic("placements"))
    assert [e.event_id for e in ends_of(p, everything)] == [ended.event_id]

    url = f"/placements/{confirmed.placement_id}"
    r = await service.client.post(f"{url}/end", json={"outcome": "completed"},
                                  headers=host(service, p))
    assert r.status_code == 409 and "ended" in r.json()["detail"]
    r = await service.client.post(f"{url}/feedback", headers=host(service, p), json={
        "overall": 4, "objectives_met": 4, "skills_value": 3, "would_recommend": True})
    assert r.status_code == 201, r.text


async def test_racing_pollers_end_a_placement_exactly_once(service, reader):
    p, confirmed = await running_placement(service, reader, months_from_today(-1), 3)
    timer = await end_timer(service, confirmed.placement_id)
    assert timer["fired_at"] is None and timer["fire_at"] == timer["moment"]

    await due_now(service, confirmed.placement_id)
    # Two more replicas' pollers race the service's own for the one due timer.
    await asyncio.gather(poller(service).fire_due(), poller(service).fire_due())
    ended = await reader.wait_for_event("PlacementEnded",
                                        where=lambda e: e.application_id == p.application_id)
    assert ended.ended_by == "system"
    everything = await read_all(service.settings.kafka_bootstrap_servers,
                                service.settings.topic("placements"))
    assert len(ends_of(p, everything)) == 1
    assert (await end_timer(service, confirmed.placement_id))["outcome"] == "fired"


async def test_a_poller_does_not_wait_for_a_placement_a_person_is_changing(service, reader):
    p, confirmed = await running_placement(service, reader, months_from_today(-1), 3)
    async with service.runtime.pool.acquire() as person:
        async with person.transaction():
            # A person's request holds the placement (as an extension or an end would).
            await person.execute("SELECT 1 FROM placements WHERE id = $1 FOR UPDATE",
                                 confirmed.placement_id)
            await due_now(service, confirmed.placement_id)
            await asyncio.wait_for(poller(service).fire_due(), timeout=10)
            assert (await end_timer(service, confirmed.placement_id))["fired_at"] is None
    ended = await reader.wait_for_event("PlacementEnded",
                                        where=lambda e: e.application_id == p.application_id)
    assert ended.ended_by == "system"


async def test_an_extension_moves_the_end_timer_and_an_early_end_cancels_it(service, reader):
    began = months_from_today(-1)
    p, confirmed = await running_placement(service, reader, began, 2)
    url = f"/placements/{confirmed.placement_id}"
    first = await end_timer(service, confirmed.placement_id)

    r = await service.client.post(f"{url}/extend", headers=host(service, p),
                                  json={"new_end_date": str(add_months(began, 4))})
    assert r.status_code == 200, r.text
    moved = await end_timer(service, confirmed.placement_id)
    assert moved["id"] == first["id"] and moved["fire_at"] > first["fire_at"]
    assert moved["fire_at"] == moved["moment"] and moved["fired_at"] is None

    r = await service.client.post(f"{url}/end", headers=host(service, p), json={
        "outcome": "ended_early", "reason": "the project closed", "ended_on": str(utc_today())})
    assert r.status_code == 200, r.text
    cancelled = await end_timer(service, confirmed.placement_id)
    assert cancelled["outcome"] == "cancelled" and cancelled["fired_at"] is not None

    await due_now(service, confirmed.placement_id)  # a cancelled timer is never claimed again
    await poller(service).fire_due()
    async with units(service) as uow:
        assert await lifecycle.end_on_schedule(uow.conn, uow.outbox, cancelled) == "skipped"
    everything = await read_all(service.settings.kafka_bootstrap_servers,
                                service.settings.topic("placements"))
    assert [e.ended_by for e in ends_of(p, everything)] == ["host-user"]
