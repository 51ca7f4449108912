"""The timetable: ranking opens, the deadline passes, match day runs the round by itself
(a durable timer), then clearing. Times are moved on the round's row, not waited for."""

from datetime import UTC, datetime, timedelta

from testkit.harness.events import eventually

from .matching_support import unique_org
from .ranking_support import host_rank, opportunities, proposals, rank, waiting_applicants


async def _move(svc, column: str) -> None:
    await svc.runtime.pool.execute(
        f"UPDATE rounds SET {column} = now() - interval '1 second' WHERE status = 'ranking'")


async def test_ranking_opens_closes_and_match_day_runs_the_round_then_clearing(timetabled):
    svc = timetabled
    org = unique_org()
    first, second = await opportunities(svc, org, 2)
    ann, bob = await waiting_applicants(svc, 2)
    now = datetime.now(UTC)
    opened = await svc.client.post("/rounds", headers=svc.auth("boss", "hr"), json={
        "ranking_opens_at": (now + timedelta(hours=1)).isoformat(),
        "ranking_deadline": (now + timedelta(days=1)).isoformat(),
        "match_at": (now + timedelta(days=2)).isoformat()})
    assert opened.status_code == 201, opened.text
    early = await rank(svc, ann, [first])
    assert early.status_code == 409 and "opens at" in early.json()["detail"]
    await _move(svc, "ranking_opens_at")  # ranking opens
    for app in (ann, bob):
        assert (await rank(svc, app, [first])).status_code == 200
    assert (await host_rank(svc, org, first, [ann, bob])).status_code == 200
    await _move(svc, "ranking_deadline")  # the deadline passes
    assert (await rank(svc, bob, [first, second])).status_code == 409
    assert await proposals(svc) == {}  # nothing runs before match day
    await _move(svc, "match_at")  # match day: the timer runs the round by itself

    async def matched() -> bool:
        return await svc.runtime.pool.fetchval(
            "SELECT status = 'matched' AND clearing_from IS NOT NULL FROM rounds") is True

    await eventually(matched, timeout=30)
    round_ = (await svc.client.get(f"/rounds/{opened.json()['round_id']}",
                                   headers=svc.auth("boss", "hr"))).json()
    assert round_["params"]["run_by"] == "match-day timer" and round_["report"]["matched"] == 1
    # clearing: Bob, left over by the round, is offered the place nobody ranked

    async def cleared() -> bool:
        return (await proposals(svc)) == {str(ann.application_id): first,
                                          str(bob.application_id): second}

    await eventually(cleared, timeout=30)
    # and during clearing a new application is matched at once (continuous mode)
    [third] = await opportunities(svc, org, 1)
    [cat] = await waiting_applicants(svc, 1)

    async def cat_placed() -> bool:
        return (await proposals(svc)).get(str(cat.application_id)) == third

    await eventually(cat_placed, timeout=30)
