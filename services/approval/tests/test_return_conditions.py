"""Integrity after return: a placement's end records its person's conditions; a returning civil
servant may not decide a stage involving the former host until the period ends; HR lists the
conditions in force. The clock is the service's own (Approvals.clock), driven forward here."""

import uuid
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from approval import lifecycle
from contracts.examples import example

from contracts import ApplicationSubmittedV2, Grade, Scheme

from .conftest import HR, approve_all, decide, open_stage, proposal, propose

RETURNER = "cs-returner"
AFTER_THE_PERIOD = datetime(2028, 7, 1, 9, 0, tzinfo=UTC)  # the day after it ends


def submitted(p, grade):
    return example(ApplicationSubmittedV2, application_id=p.application_id,
                   correlation_id=p.correlation_id, applicant_id=p.applicant_id,
                   scheme=p.scheme, grade=grade, organisation_id=p.organisation_id)


async def placed_and_ended(service, reader, p, grade=None, ended_on="2027-06-30"):
    """Submit (with its grade), approve, start and end the placement of `p`; the conditions."""
    if grade is not None:
        await service.publish(submitted(p, grade))
    await propose(service, p)
    confirmed = await approve_all(service, reader, p)
    url = f"/placements/{confirmed.placement_id}"
    r = await service.client.post(f"{url}/start", json={"started_on": str(p.start_date)},
                                  headers=service.auth(*HR))
    assert r.status_code == 200, r.text
    # An end may not lie in the future, so the service's "today" is the end day here.
    with mock.patch.object(lifecycle, "today", lambda: date.fromisoformat(ended_on)):
        r = await service.client.post(f"{url}/end", headers=service.auth(*HR),
                                      json={"outcome": "completed", "ended_on": ended_on})
    assert r.status_code == 200, r.text
    return await reader.wait_for_event("ReturnConditionsRecorded",
                                       where=lambda e: e.placement_id == confirmed.placement_id)


@pytest.fixture
def clock(service):
    """Set the service's clock; the real one comes back after the test."""
    approvals = service.runtime.use_cases.stages.approvals
    real = approvals.clock
    yield lambda moment: setattr(approvals, "clock", lambda: moment)
    approvals.clock = real


async def test_a_returning_civil_servant_may_not_decide_for_the_former_host_until_the_period_ends(
        service, reader, clock):
    away = proposal(Scheme.INDUSTRY, applicant_id=RETURNER)
    recorded = await placed_and_ended(service, reader, away, Grade.SCS1)
    assert (recorded.condition_kind, recorded.grade, recorded.former_host_org_id) == (
        "outward", "SCS1", "org-windco")
    assert str(recorded.restricted_until) == "2028-06-30"  # SCS1: 12 months
    assert set(recorded.restricted_decisions) == {"procurement", "regulation", "grants",
                                                  "placements"}

    # Back at the department, the returner is line manager on a proposal to the same host.
    same_host = proposal(Scheme.INDUSTRY, line_manager_id=RETURNER)
    await propose(service, same_host)
    stage = await open_stage(service, same_host.application_id)
    r = await decide(service, stage)
    assert (r.status_code, r.json()["field"]) == (403, "decision")
    assert "org-windco" in r.json()["detail"] and "30 June 2028" in r.json()["detail"]
    assert (await open_stage(service, same_host.application_id))["status"] == "open"

    # Another host is none of the condition's business.
    other_host = proposal(Scheme.INDUSTRY, line_manager_id=RETURNER, host_org_id="org-solar")
    await propose(service, other_host)
    r = await decide(service, await open_stage(service, other_host.application_id))
    assert r.status_code == 200, r.text

    clock(AFTER_THE_PERIOD)
    r = await decide(service, stage)
    assert (r.status_code, r.json()["decided_by"]) == (200, RETURNER)


async def test_the_last_day_of_the_period_still_counts(service, reader, clock):
    away = proposal(Scheme.DIPLOMATIC, applicant_id=f"{RETURNER}-2", host_org_id="sme-cafe")
    recorded = await placed_and_ended(service, reader, away, Grade.HEO)
    assert str(recorded.restricted_until) == "2027-09-30"  # HEO: 3 months
    same_host = proposal(Scheme.INDUSTRY, line_manager_id=f"{RETURNER}-2",
                         host_org_id="sme-cafe")
    await propose(service, same_host)
    stage = await open_stage(service, same_host.application_id)
    clock(datetime(2027, 9, 30, 23, 0, tzinfo=UTC))
    assert (await decide(service, stage)).status_code == 403
    clock(datetime(2027, 10, 1, 0, 5, tzinfo=UTC))
    assert (await decide(service, stage)).status_code == 200


async def test_an_unknown_grade_gets_the_longest_period_and_an_expert_a_confidentiality_undertaking(
        service, reader):
    unknown = await placed_and_ended(service, reader, proposal(Scheme.INDUSTRY))
    assert (unknown.grade, str(unknown.restricted_until)) == (None, "2029-06-30")
    expert = await placed_and_ended(service, reader, proposal(Scheme.GOVERNMENT))
    assert (expert.condition_kind, expert.former_host_org_id) == ("inward", "dept-desnz")
    assert expert.restricted_decisions == () and "security-classified" in expert.confidentiality
    assert str(expert.restricted_until) == "2029-06-30"


async def test_hr_sees_the_conditions_in_force_and_no_one_else_does(service, reader, clock):
    p = proposal(Scheme.INDUSTRY, applicant_id=f"cs-{uuid.uuid4().hex[:6]}")
    recorded = await placed_and_ended(service, reader, p, Grade.G7, ended_on="2027-03-31")
    mine = str(recorded.placement_id)

    async def listed(**params):
        r = await service.client.get("/return-conditions", params={"limit": 200, **params},
                                     headers=service.auth(*HR))
        assert r.status_code == 200, r.text
        return {c["placement_id"]: c for c in r.json()}

    found = (await listed())[mine]
    assert (found["former_host_org_id"], found["restricted_until"], found["grade"]) == (
        "org-windco", "2027-09-30", "G7")
    clock(datetime(2027, 10, 1, tzinfo=UTC))
    assert mine not in await listed()
    assert mine in await listed(in_force="false")
    department = await service.client.get("/return-conditions", headers=service.auth(
        "hr-other", "hr", org="dept-other"), params={"in_force": "false"})
    assert mine not in {c["placement_id"] for c in department.json()}
    r = await service.client.get("/return-conditions",
                                 headers=service.auth(p.applicant_id, "applicant"))
    assert r.status_code == 403
