"""Withdrawal compensates: open stages close, a confirmed placement not yet started is
cancelled, and the place is released, exactly once, even when it races the final grant."""

import asyncio

from testkit.harness.events import eventually

from contracts import Scheme

from .conftest import decide, open_stage, proposal, propose, stage_after_grants, withdrawal


def of_application(p):
    return lambda e: getattr(e, "application_id", None) == p.application_id


async def test_a_withdrawal_closes_the_open_stage_and_releases_the_place(service, reader):
    p = proposal(Scheme.GOVERNMENT)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    assert (await decide(service, stage)).status_code == 200
    second = await open_stage(service, p.application_id)
    await propose(service, withdrawal(p))

    rejected = await reader.wait_for_event("PlacementRejected", where=of_application(p))
    assert (rejected.reason, rejected.stage) == ("withdrawn", "host_department")
    r = await decide(service, second)
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"]


async def test_a_proposal_arriving_after_the_withdrawal_is_rejected_at_once(service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, withdrawal(p))
    async with service.runtime.pool.acquire() as conn:
        await eventually(lambda: conn.fetchval(
            "SELECT true FROM withdrawn_applications WHERE application_id = $1",
            p.application_id))
    await propose(service, p)
    rejected = await reader.wait_for_event("PlacementRejected", where=of_application(p))
    assert rejected.reason == "withdrawn" and rejected.stage is None
    assert not any(e.event_type == "ApprovalStageOpened" and of_application(p)(e)
                   for e in reader.events())


async def _at_last_stage(service, p):
    return await stage_after_grants(service, p, 3, "host_acceptance")


async def _withdraw_directly(service, p):
    # The consumer's own use case on its own connection: a real race on the case row lock.
    approvals = service.runtime.use_cases.stages.approvals
    async with service.runtime.pool.acquire() as conn, conn.transaction():
        await approvals.on_application_withdrawn(conn, withdrawal(p))


async def _outcome(service, p) -> dict:
    async with service.runtime.pool.acquire() as conn:
        case = await conn.fetchrow("SELECT * FROM cases WHERE application_id = $1",
                                   p.application_id)
        stages = await conn.fetch("SELECT status FROM stages WHERE case_id = $1"
                                  " ORDER BY position", case["id"])
        placements = await conn.fetchval("SELECT count(*) FROM placements WHERE case_id = $1",
                                         case["id"])
        events = await conn.fetch("SELECT event_type FROM outbox WHERE key = $1",
                                  str(p.application_id))
    return {"case": case["status"], "reason": case["rejection_reason"],
            "last_stage": stages[-1]["status"], "placements": placements,
            "events": [e["event_type"] for e in events]}


async def test_a_grant_racing_a_withdrawal_leaves_one_consistent_outcome(service):
    cases = [proposal(Scheme.INDUSTRY) for _ in range(8)]
    lasts = [await _at_last_stage(service, p) for p in cases]
    results = await asyncio.gather(*(
        asyncio.gather(decide(service, last, "accept"), _withdraw_directly(service, p))
        for p, last in zip(cases, lasts, strict=True)))

    seen = set()
    for p, (grant, _) in zip(cases, results, strict=True):
        out = await _outcome(service, p)
        confirmed = out["events"].count("PlacementConfirmed")
        rejected = out["events"].count("PlacementRejected")
        if grant.status_code == 200:
            seen.add("granted first")
            assert (out["case"], out["last_stage"], out["placements"]) == (
                "approved", "granted", 1)
            # The withdrawal then cancels the confirmed placement before it starts.
            assert (confirmed, rejected) == (1, 1)
        else:
            seen.add("withdrawn first")
            assert grant.status_code == 409, grant.text
            assert (out["case"], out["reason"], out["last_stage"], out["placements"]) == (
                "rejected", "withdrawn", "withdrawn", 0)
            assert (confirmed, rejected) == (0, 1)
    print(f"race outcomes seen: {sorted(seen)}")


async def test_withdrawing_a_confirmed_placement_before_it_starts_cancels_it_once(service, reader):
    from .conftest import approve_all

    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    confirmed = await approve_all(service, reader, p)
    await propose(service, withdrawal(p))
    await propose(service, withdrawal(p))  # redelivered under a new event id: no second effect

    rejected = await reader.wait_for_event("PlacementRejected", where=of_application(p))
    assert (rejected.reason, rejected.match_id) == ("withdrawn", p.match_id)
    host = service.auth("host-user", "host", org=p.host_org_id)
    url = f"/placements/{confirmed.placement_id}"
    r = await service.client.post(f"{url}/start", headers=host)
    assert r.status_code == 409 and "withdrawn" in r.json()["detail"]
    assert (await service.client.get(url, headers=host)).json()["status"] == "withdrawn"
    assert (await _outcome(service, p))["events"].count("PlacementRejected") == 1

