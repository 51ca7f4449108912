"""HR reassigns an overdue stage and the new approver decides it; a stage that is no longer
open says what happened; two approvers deciding at once: exactly one decision counts."""

import asyncio
import uuid

import pytest
from approval.app import build_app
from approval.config import ApprovalSettings
from testkit.harness.events import eventually
from testkit.harness.fixtures import service_fixture

from contracts import Scheme, parse_event

from .conftest import (
    FAST,
    HR,
    decide,
    declined,
    open_stage,
    proposal,
    propose,
    stage_after_grants,
    withdrawal,
)

SHORT = dict(sla_due_seconds={"line_manager": 1.0}, sla_expiry_factor=1000.0)


service = service_fixture(build_app, ApprovalSettings, **{**FAST, **SHORT})


async def reassign(svc, stage, approver_id, headers=None, reason="on leave"):
    return await svc.client.post(f"/stages/{stage['id']}/reassign",
                                 json={"approver_id": approver_id, "reason": reason},
                                 headers=headers or svc.auth(*HR))


async def task_ids(svc, headers) -> set[str]:
    r = await svc.client.get("/tasks", headers=headers)
    assert r.status_code == 200, r.text
    return {t["stage_id"] for t in r.json()}


async def test_hr_reassigns_an_overdue_stage_and_the_new_approver_decides_it(service, reader):
    away, cover = f"away-{uuid.uuid4().hex[:6]}", f"cover-{uuid.uuid4().hex[:6]}"
    p = proposal(Scheme.INDUSTRY, line_manager_id=away)
    await propose(service, p)
    await reader.wait_for_event("ApprovalEscalated",
                                where=lambda e: e.application_id == p.application_id)
    stage = await open_stage(service, p.application_id)
    assert stage["escalated"]

    r = await reassign(service, stage, cover, reason="the line manager is on leave")
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["approver_id"], moved["escalated"]) == (cover, False)
    event = await reader.wait_for_event("ApprovalStageReassigned",
                                        where=lambda e: e.application_id == p.application_id)
    assert (event.previous_approver_id, event.approver_id) == (away, cover)
    assert event.reassigned_by == HR[0] and event.reason == "the line manager is on leave"

    old, new = service.auth(away, "line_manager"), service.auth(cover, "line_manager")
    assert stage["id"] not in await task_ids(service, old)
    assert stage["id"] in await task_ids(service, new)
    r = await decide(service, stage, headers=old)
    assert r.status_code == 409
    assert f"reassigned to {cover}" in r.json()["detail"]
    r = await decide(service, stage, headers=new, note="covering")
    assert r.status_code == 200, r.text
    assert r.json()["decided_by"] == cover
    nxt = await open_stage(service, p.application_id)
    assert nxt["stage"] == "departmental_hr"


async def test_only_hr_of_the_organisation_concerned_may_reassign(service):
    p = proposal(Scheme.INDUSTRY, organisation_id=f"dept-{uuid.uuid4().hex[:6]}")
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    r = await reassign(service, stage, "m2", headers=service.auth("hr-x", "hr", org="dept-x"))
    assert r.status_code == 404
    r = await reassign(service, stage, "m2",
                       headers=service.auth("hr-d", "hr", org=p.organisation_id))
    assert r.status_code == 200, r.text
    r = await reassign(service, stage, "m2")
    assert (r.status_code, r.json()["field"]) == (422, "approver_id")
    r = await service.client.post(f"/stages/{stage['id']}/reassign", json={"approver_id": "m3"},
                                  headers=service.auth(*HR))
    assert (r.status_code, r.json()["field"]) == (422, "reason")


@pytest.mark.parametrize("closing, said", [
    (withdrawal, "the application was withdrawn on"),
    (declined, "the applicant declined this proposal on"),
], ids=["withdrawn", "declined"])
async def test_deciding_a_stage_closed_by_the_applicant_says_what_they_did(service, closing,
                                                                            said):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    await propose(service, closing(p))

    async def closed():
        r = await service.client.get(f"/stages/{stage['id']}", headers=service.auth(*HR))
        return r.json()["status"] == "withdrawn"

    await eventually(closed)
    r = await decide(service, stage)
    assert r.status_code == 409
    assert said in r.json()["detail"]
    r = await reassign(service, stage, "someone")
    assert r.status_code == 409


async def _ethics_stage(svc, p) -> dict:
    # line manager and departmental HR granted
    return await stage_after_grants(svc, p, 2, "conflict_of_interest")


@pytest.mark.parametrize("second", ["grant", "refuse"])
async def test_two_approvers_deciding_at_once_exactly_one_decision_counts(
        service, reader, second):
    p = proposal(Scheme.INDUSTRY)
    stage = await _ethics_stage(service, p)
    one, two = service.auth("ethics-1", "ethics"), service.auth("ethics-2", "ethics")
    answers = await asyncio.gather(
        decide(service, stage, "grant", headers=one),
        decide(service, stage, second, headers=two, reason="a conflict"))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    loser = next(a for a in answers if a.status_code == 409).json()
    assert f"by {winner['decided_by']} on" in loser["detail"]
    assert "not recorded" in loser["detail"]

    # What the service emitted is its outbox: exactly one decision on this stage, the
    # winner's, and that one reaches the topic.
    async with service.runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE key = $1 AND event_type IN"
                                " ('ApprovalGranted', 'ApprovalRefused')", str(p.application_id))
    decisions = [e for e in map(parse_event, (r["payload"] for r in rows))
                 if e.stage == "conflict_of_interest"]
    assert [e.decided_by for e in decisions] == [winner["decided_by"]]
    await reader.wait_for_event(decisions[0].event_type, where=lambda e: (
        e.application_id == p.application_id and e.stage == "conflict_of_interest"))
