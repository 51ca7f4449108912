"""The case view: the applicant's details reach exactly the people on the case (those holding
or having held one of its stages, the host it was proposed to, central HR), and follow a
reassignment; everyone else hears 404."""

import uuid
from datetime import UTC, datetime, timedelta

from testkit.harness.events import eventually

from contracts import (
    ApprovalGranted,
    ApprovalStage,
    ApprovalStageOpened,
    ApprovalStageReassigned,
    Clearance,
    MatchProposed,
    Scheme,
)

from .conftest import applied, as_applicant, new_applicant, send
from .test_status import about

DUE = datetime.now(UTC) + timedelta(days=5)


def opened(app, case_id, stage, role, org=None, approver=None):
    return about(
        app,
        ApprovalStageOpened,
        case_id=case_id,
        stage=stage,
        approver_role=role,
        approver_org_id=org,
        approver_id=approver,
        due_at=DUE,
    )


def granted(app, case_id, stage, by, **fields):
    return about(app, ApprovalGranted, case_id=case_id, stage=stage, decided_by=by, **fields)


async def case_of(svc, app, headers):
    return await svc.client.get(f"/applications/{app['id']}/case", headers=headers)


async def visible(svc, app, headers, where=lambda case: True) -> dict:
    """The case once this caller may read it (and `where` holds: the proposal and the stages
    travel on two topics, so either may arrive first)."""

    async def check():
        r = await case_of(svc, app, headers)
        return r.json() if r.status_code == 200 and where(r.json()) else None

    return await eventually(check, timeout=60)  # the first waits for the consumer to join


async def industry_case_at_ethics(svc):
    """An industry application proposed to org-windco, line manager and departmental HR
    granted, the ethics stage open."""
    sub, app = await applied(svc)
    case_id = uuid.uuid4()
    await send(
        svc,
        about(
            app,
            MatchProposed,
            match_id=uuid.uuid4(),
            host_org_id="org-windco",
            clearance_needed=Clearance.BPSS,
        ),
        opened(app, case_id, ApprovalStage.LINE_MANAGER, "line_manager", approver="manager-1"),
        granted(app, case_id, ApprovalStage.LINE_MANAGER, "manager-1", note="fine by me"),
        opened(app, case_id, ApprovalStage.DEPARTMENTAL_HR, "hr", org="dept-dbt"),
        granted(app, case_id, ApprovalStage.DEPARTMENTAL_HR, "hr-dbt"),
        opened(app, case_id, ApprovalStage.CONFLICT_OF_INTEREST, "ethics"),
    )
    return sub, app, case_id


async def test_each_person_on_the_case_sees_it_and_nobody_else_does(service):
    sub, app, _ = await industry_case_at_ethics(service)
    ethics = await visible(
        service, app, service.auth("ethics-1", "ethics"), where=lambda c: c["proposal"] is not None
    )
    assert ethics["seen_as"] == "approver"
    assert ethics["applicant"]["name"] == "Asha Patel"
    assert ethics["applicant"]["organisation_kind"] == "department"
    assert ethics["declared_interests"][0]["organisation_id"] == "org-windco"
    assert ethics["proposal"]["host_org_id"] == "org-windco"
    assert [(s["stage"], s["status"]) for s in ethics["stages"]] == [
        ("line_manager", "granted"),
        ("departmental_hr", "granted"),
        ("conflict_of_interest", "open"),
    ]
    assert ethics["stages"][0]["note"] == "fine by me"

    on_the_case = {
        "line manager who decided": service.auth("manager-1", "line_manager"),
        "departmental HR": service.auth("hr-dbt", "hr", org="dept-dbt"),
        "host proposed to": service.auth("host-w", "host", org="org-windco"),
        "central HR": service.auth("hr-central", "hr"),
        "the applicant": as_applicant(service, sub),
    }
    for who, headers in on_the_case.items():
        r = await case_of(service, app, headers)
        assert r.status_code == 200, who
        assert r.json()["applicant"]["name"] == "Asha Patel", who
    # Only the ethics stage (and HR, and the applicant) read the declared interests.
    for who in ("line manager who decided", "host proposed to"):
        assert (await case_of(service, app, on_the_case[who])).json()[
            "declared_interests"
        ] is None, who

    _, other_app = await applied(service)
    await send(
        service,
        about(other_app, MatchProposed, match_id=uuid.uuid4(), host_org_id="org-other"),
        opened(
            other_app,
            uuid.uuid4(),
            ApprovalStage.LINE_MANAGER,
            "line_manager",
            approver="manager-9",
        ),
    )
    await visible(service, other_app, service.auth("manager-9", "line_manager"))
    outsiders = {
        "approver of another application": service.auth("manager-9", "line_manager"),
        "another host": service.auth("host-o", "host", org="org-other"),
        "another applicant": as_applicant(service, new_applicant()),
        "HR of another department": service.auth("hr-x", "hr", org="dept-x"),
        "a vetting officer with no stage": service.auth("vet-1", "vetting"),
    }
    for who, headers in outsiders.items():
        r = await case_of(service, app, headers)
        assert r.status_code == 404, who
        assert "Asha" not in r.text, who
    r = await service.client.get(
        f"/applications/{uuid.uuid4()}/case", headers=service.auth("hr-central", "hr")
    )
    assert r.status_code == 404


async def test_a_reassignment_moves_the_case_to_the_new_approver(service):
    _, app, case_id = await industry_case_at_ethics(service)
    await visible(service, app, service.auth("ethics-1", "ethics"))
    await send(
        service,
        about(
            app,
            ApprovalStageReassigned,
            case_id=case_id,
            stage=ApprovalStage.CONFLICT_OF_INTEREST,
            approver_role="ethics",
            approver_org_id=None,
            approver_id="ethics-2",
            previous_approver_id=None,
            reassigned_by="hr-central",
            reason="ethics-1 knows the host",
            due_at=DUE,
        ),
    )

    async def gone():
        r = await case_of(service, app, service.auth("ethics-1", "ethics"))
        return r.status_code == 404

    await eventually(gone)  # ethics-1 could read it as any ethics officer until now
    new = await visible(service, app, service.auth("ethics-2", "ethics"))
    assert new["declared_interests"] is not None
    assert [s["status"] for s in new["stages"]][-2:] == ["reassigned", "open"], new["stages"]
    assert new["stages"][-2]["reason"] == "ethics-1 knows the host"
    assert new["stages"][-1]["approver_id"] == "ethics-2"


async def test_the_vetting_stage_reads_the_clearance_held_against_the_clearance_needed(service):
    _, app = await applied(service, Scheme.GOVERNMENT)
    await send(
        service,
        about(
            app,
            MatchProposed,
            match_id=uuid.uuid4(),
            scheme=Scheme.GOVERNMENT,
            host_org_id="dept-desnz",
            clearance_needed=Clearance.DV,
            clearance_held=Clearance.SC,
        ),
        opened(app, uuid.uuid4(), ApprovalStage.SECURITY_VETTING, "vetting"),
    )
    case = await visible(
        service, app, service.auth("vet-1", "vetting"), where=lambda c: c["proposal"] is not None
    )
    assert case["clearance"] == {"held": "SC", "needed": "DV", "covered": False}
    assert case["applicant"]["role"] == "Head of Data"
    assert case["applicant"]["organisation_kind"] == "employer"
