"""One task list per person across their roles and organisation, with deadlines from the SLA
timers; an application's decided stages for exactly the people on its case."""

import uuid

from approval.app import build_app
from approval.config import ApprovalSettings
from testkit.harness.events import eventually
from testkit.harness.fixtures import service_fixture

from contracts import Scheme

from .conftest import FAST, HR, approver_headers, decide, open_stage, proposal, propose

# line manager: overdue after 1 s; FCDO post: inside the due-soon hour; employer: hours away.
# Expiry is far off so nothing closes while a test looks.
SHORT = dict(sla_due_seconds={"line_manager": 1.0, "fcdo_post": 1800.0,
                              "releasing_employer": 7 * 3600.0},
             sla_expiry_factor=1000.0, task_due_soon_seconds=3600.0)


service = service_fixture(build_app, ApprovalSettings, **{**FAST, **SHORT})


async def tasks(svc, headers, **params) -> list[dict]:
    r = await svc.client.get("/tasks", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_person_sees_every_stage_waiting_for_them_across_roles_with_due_states(service):
    org = f"org-{uuid.uuid4().hex[:6]}"
    me = f"multi-{uuid.uuid4().hex[:6]}"
    headers = service.auth(me, "line_manager", "fcdo_post", "employer", org=org)
    # Opened in this order, so "by opened date" and "by due date" disagree.
    gov = proposal(Scheme.GOVERNMENT, organisation_id=org)
    dip = proposal(Scheme.DIPLOMATIC, organisation_id=org)
    ind = proposal(Scheme.INDUSTRY, line_manager_id=me)
    not_mine = proposal(Scheme.INDUSTRY, line_manager_id="someone-else")
    for p in (gov, dip, ind, not_mine):
        await propose(service, p)
        await open_stage(service, p.application_id)
    mine = {str(p.application_id) for p in (gov, dip, ind)}

    async def overdue_seen():
        listed = [t for t in await tasks(service, headers) if t["application_id"] in mine]
        return listed if any(t["due_state"] == "overdue" for t in listed) else None

    by_due = await eventually(overdue_seen)
    assert [(t["stage"], t["due_state"]) for t in by_due] == [
        ("line_manager", "overdue"), ("fcdo_post", "due_soon"),
        ("releasing_employer", "on_time")]
    assert by_due[0]["stage_title"] == "Line manager approval"
    by_opened = [t for t in await tasks(service, headers, sort="opened")
                 if t["application_id"] in mine]
    assert [t["scheme"] for t in by_opened] == ["government", "diplomatic", "industry"]
    diplomatic = await tasks(service, headers, scheme="diplomatic")
    assert {t["application_id"] for t in diplomatic} & mine == {str(dip.application_id)}
    assert str(not_mine.application_id) not in {t["application_id"]
                                                for t in await tasks(service, headers)}


async def test_a_task_list_rejects_an_unknown_sort_or_scheme_naming_it(service):
    r = await service.client.get("/tasks", params={"sort": "name"},
                                 headers=service.auth("m", "line_manager"))
    assert (r.status_code, r.json()["field"]) == (422, "sort")
    r = await service.client.get("/tasks", params={"scheme": "galactic"},
                                 headers=service.auth("m", "line_manager"))
    assert (r.status_code, r.json()["field"]) == (422, "scheme")


async def test_central_hr_gets_escalated_stages_as_tasks(service):
    p = proposal(Scheme.INDUSTRY, line_manager_id=f"lm-{uuid.uuid4().hex[:6]}")
    await propose(service, p)

    async def escalated():
        return next((t for t in await tasks(service, service.auth(*HR))
                     if t["application_id"] == str(p.application_id) and t["escalated"]), None)

    task = await eventually(escalated)
    assert task["due_state"] == "overdue"


async def test_an_applications_stages_show_to_those_on_its_case_and_to_nobody_else(service):
    p = proposal(Scheme.DIPLOMATIC, organisation_id=f"post-{uuid.uuid4().hex[:6]}")
    await propose(service, p)
    first = await open_stage(service, p.application_id)
    assert (await decide(service, first, note="a strong candidate")).status_code == 200
    second = await open_stage(service, p.application_id)
    url = f"/applications/{p.application_id}/stages"
    allowed = {"decider of the first stage": approver_headers(service, first),
               "holder of the open stage": approver_headers(service, second),
               "host it was proposed to": service.auth("h", "host", org=p.host_org_id),
               "central HR": service.auth(*HR)}
    for who, headers in allowed.items():
        r = await service.client.get(url, headers=headers)
        assert r.status_code == 200, who
        assert [s["stage"] for s in r.json()] == ["fcdo_post", "bcc_endorsement"], who
        assert r.json()[0]["note"] == "a strong candidate", who
    refused = {"another post": service.auth("x", "fcdo_post", org="post-elsewhere"),
               "another host": service.auth("h2", "host", org="sme-other"),
               "departmental HR": service.auth("hr-d", "hr", org="dept-other")}
    for who, headers in refused.items():
        r = await service.client.get(url, headers=headers)
        assert r.status_code == 404, who
    r = await service.client.get(url, headers=service.auth(p.applicant_id, "applicant"))
    assert r.status_code == 403
