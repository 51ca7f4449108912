"""Who may see and decide a stage; idempotent decisions; closed stages; ethics mitigation."""

import uuid

from testkit.harness.events import eventually

from contracts import Scheme

from .conftest import (
    HR,
    approver_headers,
    decide,
    open_stage,
    proposal,
    propose,
    stage_after_grants,
)


async def _stages(svc, headers, status="open"):
    r = await svc.client.get("/stages", params={"status": status}, headers=headers)
    assert r.status_code == 200, r.text
    return {s["id"] for s in r.json()}


async def test_a_host_of_another_organisation_can_neither_see_nor_decide_the_stage(service):
    p = proposal(Scheme.DIPLOMATIC)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    assert stage["stage"] == "fcdo_post"
    other_post = service.auth("diplomat-x", "fcdo_post", org="post-berlin")
    own_post = approver_headers(service, stage)

    assert stage["id"] not in await _stages(service, other_post)
    assert stage["id"] in await _stages(service, own_post)
    r = await service.client.get(f"/stages/{stage['id']}", headers=other_post)
    assert r.status_code == 404
    r = await decide(service, stage, headers=other_post)
    assert r.status_code == 404
    assert "no stage" in r.json()["detail"]
    # The right role with no organisation claim is still someone else.
    r = await decide(service, stage, headers=service.auth("diplomat-y", "fcdo_post"))
    assert r.status_code == 404


async def test_a_line_manager_sees_only_the_cases_of_their_own_reports(service):
    p = proposal(Scheme.INDUSTRY, line_manager_id="manager-42")
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    assert stage["id"] not in await _stages(service, service.auth("manager-7", "line_manager"))
    assert stage["id"] in await _stages(service, service.auth("manager-42", "line_manager"))
    r = await decide(service, stage, headers=service.auth("manager-7", "line_manager"))
    assert r.status_code == 404


async def test_central_hr_sees_every_stage_but_may_not_decide_before_escalation(service):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    r = await decide(service, stage, headers=service.auth(*HR))
    assert r.status_code == 403
    assert "escalated" in r.json()["detail"]


async def test_the_same_decision_twice_gives_the_same_answer_and_one_event(service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    first = await decide(service, stage, note="ok")
    again = await decide(service, stage, note="ok")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    nxt = await open_stage(service, p.application_id)
    assert nxt["stage"] == "departmental_hr"

    changed = await decide(service, stage, "refuse", reason="second thoughts")
    assert changed.status_code == 409
    assert "already granted by manager-1" in changed.json()["detail"]
    await reader.wait_for_event("ApprovalStageOpened", where=lambda e: (
        e.application_id == p.application_id and e.stage == "departmental_hr"))
    grants = [e for e in reader.events()
              if e.event_type == "ApprovalGranted" and e.application_id == p.application_id]
    assert len(grants) == 1


async def test_a_refusal_without_a_reason_is_rejected_naming_the_field(service):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    r = await decide(service, stage, "refuse")
    assert r.status_code == 422
    assert r.json()["field"] == "reason"
    r = await decide(service, stage, "grant", mitigation="not the ethics stage")
    assert (r.status_code, r.json()["field"]) == (422, "mitigation")
    r = await decide(service, stage, "maybe")
    assert r.status_code == 422
    r = await decide(service, stage, "grant", extra="field")
    assert r.status_code == 422


async def test_a_decision_on_a_stage_closed_by_refusal_is_a_conflict(service):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    stage = await open_stage(service, p.application_id)
    assert (await decide(service, stage, "refuse", reason="no")).status_code == 200
    r = await decide(service, stage, "grant")
    assert r.status_code == 409
    assert "refused" in r.json()["detail"]


async def test_the_ethics_stage_records_its_decision_and_mitigation_in_writing(service, reader):
    p = proposal(Scheme.INDUSTRY)
    ethics = await stage_after_grants(service, p, 2, "conflict_of_interest")
    r = await decide(service, ethics, note="past procurement dealings with the host",
                     mitigation="recused from any WindCo contract decision for 2 years")
    assert r.status_code == 200
    assert r.json()["mitigation"].startswith("recused")
    granted = await reader.wait_for_event("ApprovalGranted", where=lambda e: (
        e.application_id == p.application_id and e.stage == "conflict_of_interest"))
    assert granted.mitigation.startswith("recused") and granted.decided_by == "ethics-user"


async def test_stage_lists_are_capped_and_need_a_token(service):
    r = await service.client.get("/stages", params={"limit": 10_000}, headers=service.auth(*HR))
    assert r.status_code == 422
    assert (await service.client.get("/stages")).status_code == 401


async def test_a_redelivered_proposal_opens_no_second_case(service, reader):
    p = proposal(Scheme.INDUSTRY)
    await propose(service, p)
    await propose(service, p)  # the same event again: the inbox absorbs it
    again = p.model_copy(update={"event_id": uuid.uuid4()})
    await propose(service, again)  # a new event for the same match: still one case
    await reader.wait_for(lambda _: sum(
        1 for e in reader.events() if e.event_type == "ApprovalStageOpened"
        and e.application_id == p.application_id) >= 1)
    async with service.runtime.pool.acquire() as conn:
        await eventually(lambda: conn.fetchval(
            "SELECT count(*) = 2 FROM inbox WHERE event_id = ANY($1::uuid[])",
            [p.event_id, again.event_id]))
        assert await conn.fetchval("SELECT count(*) FROM cases WHERE match_id = $1",
                                   p.match_id) == 1
        assert await conn.fetchval("SELECT count(*) FROM stages s JOIN cases c"
                                   " ON c.id = s.case_id WHERE c.match_id = $1",
                                   p.match_id) == 1


async def test_the_openapi_document_describes_the_decision_endpoint(service):
    doc = (await service.client.get("/openapi.json")).json()
    op = doc["paths"]["/stages/{stage_id}/decision"]["post"]
    assert op["summary"]
    assert doc["components"]["schemas"]["DecisionIn"]["examples"]
