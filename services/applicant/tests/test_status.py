import uuid
from datetime import UTC, datetime, timedelta

from contracts.examples import example
from testkit.harness.events import eventually

import contracts as ev

from .conftest import applied, apply, as_applicant, send, status_becomes


def about(app: dict, cls, **fields):
    """A downstream event about this application, as the other services would publish it."""
    application_id = uuid.UUID(app["id"])
    return example(cls, **{"application_id": application_id, "correlation_id": application_id,
                           "applicant_id": app["applicant_id"], **fields})


async def timeline_of(svc, sub: str, app: dict) -> list[dict]:
    r = await svc.client.get(f"/applications/{app['id']}/timeline",
                             headers=as_applicant(svc, sub))
    assert r.status_code == 200, r.text
    return r.json()


async def timeline_has(svc, sub: str, app: dict, count: int) -> list[dict]:
    async def check():
        lines = await timeline_of(svc, sub, app)
        return lines if len(lines) >= count else None

    return await eventually(check, timeout=20)


async def test_the_status_follows_an_industry_journey_from_match_to_end(service):
    sub, app = await applied(service)
    due = datetime.now(UTC) + timedelta(days=5)

    await send(service, about(app, ev.MatchProposed))
    view = await status_becomes(service, sub, app["id"], "matched")
    assert view["awaiting"] == {"what": "the approval chain to open",
                                "from": "the approval service"}

    await send(service, about(app, ev.ApprovalStageOpened, stage=ev.ApprovalStage.LINE_MANAGER,
                              approver_role="line_manager", approver_id="manager-1",
                              due_at=due))
    view = await status_becomes(service, sub, app["id"], "in_approval")
    assert view["awaiting"] == {"what": "line manager decision", "from": "manager-1"}

    await send(service,
               about(app, ev.ApprovalGranted, stage=ev.ApprovalStage.LINE_MANAGER),
               about(app, ev.ApprovalStageOpened, stage=ev.ApprovalStage.DEPARTMENTAL_HR,
                     approver_role="hr", approver_id=None, approver_org_id="dept-dbt",
                     due_at=due),
               about(app, ev.ApprovalReminderDue, stage=ev.ApprovalStage.DEPARTMENTAL_HR,
                     due_at=due),
               about(app, ev.ApprovalEscalated, stage=ev.ApprovalStage.DEPARTMENTAL_HR, due_at=due))
    lines = await timeline_has(service, sub, app, 7)
    view = (await service.client.get(f"/applications/{app['id']}",
                                     headers=as_applicant(service, sub))).json()
    assert view["awaiting"] == {"what": "departmental HR decision (escalated)", "from": "HR"}
    assert lines[4]["awaiting"] == {"what": "departmental HR decision",
                                    "from": "your department's HR (dept-dbt)"}
    assert lines[5]["status"] is None and "reminder" in lines[5]["summary"]

    await send(service, about(app, ev.PlacementApproved))
    view = await status_becomes(service, sub, app["id"], "approved")
    assert view["awaiting"]["what"] == "confirmation of the place"
    await send(service, about(app, ev.PlacementConfirmed))
    view = await status_becomes(service, sub, app["id"], "confirmed")
    assert view["awaiting"] == {"what": "the placement to start on 2027-01-04",
                                "from": "org-windco"}
    await send(service, about(app, ev.PlacementStarted), about(app, ev.PlacementExtended))
    await timeline_has(service, sub, app, 11)
    view = await status_becomes(service, sub, app["id"], "started")
    assert view["awaiting"]["what"] == "the placement to end on 2027-10-03"
    await send(service, about(app, ev.PlacementEnded))
    view = await status_becomes(service, sub, app["id"], "ended")
    assert view["awaiting"] is None

    lines = await timeline_of(service, sub, app)
    assert [line["event_type"] for line in lines] == [
        "ApplicationSubmitted", "MatchProposed", "ApprovalStageOpened", "ApprovalGranted",
        "ApprovalStageOpened", "ApprovalReminderDue", "ApprovalEscalated", "PlacementApproved",
        "PlacementConfirmed", "PlacementStarted", "PlacementExtended", "PlacementEnded"]
    assert [line["at"] for line in lines] == sorted(line["at"] for line in lines)


async def test_a_rejected_placement_goes_back_to_matching_and_no_match_leaves_it_waiting(
        service):
    sub, app = await applied(service)
    await send(service, about(app, ev.MatchProposed),
               about(app, ev.PlacementRejected, reason=ev.RejectionReason.DECLINED))
    view = await status_becomes(service, sub, app["id"], "matching")
    assert view["awaiting"] == {"what": "another match proposal", "from": "the matching service"}

    await send(service, about(app, ev.NoMatchFound, reasons=("no open opportunity in Wales",)))
    view = await status_becomes(service, sub, app["id"], "waiting")
    assert view["awaiting"]["from"] == "the matching service"
    lines = await timeline_of(service, sub, app)
    assert "no open opportunity in Wales" in lines[-1]["summary"]
    # Still live: it holds the scheme until it is withdrawn, and a later proposal moves it on.
    assert (await apply(service, sub)).status_code == 422
    await send(service, about(app, ev.MatchProposed))
    await status_becomes(service, sub, app["id"], "matched")


async def test_a_redelivered_event_adds_no_second_timeline_line(service):
    sub, app = await applied(service)
    proposal = about(app, ev.MatchProposed)
    await send(service, proposal, proposal, about(app, ev.PlacementApproved))
    await status_becomes(service, sub, app["id"], "approved")
    lines = await timeline_of(service, sub, app)
    assert [line["event_type"] for line in lines] == [
        "ApplicationSubmitted", "MatchProposed", "PlacementApproved"]


async def test_an_event_that_arrives_late_does_not_move_the_status_back(service):
    sub, app = await applied(service)
    now = datetime.now(UTC)
    # The approval (topic approvals) overtakes the proposal (topic matches) that caused it.
    await send(service, about(app, ev.ApprovalStageOpened, occurred_at=now + timedelta(seconds=2),
                              due_at=now + timedelta(days=5)))
    await status_becomes(service, sub, app["id"], "in_approval")
    await send(service, about(app, ev.MatchProposed, occurred_at=now + timedelta(seconds=1)))
    lines = await timeline_has(service, sub, app, 3)
    assert [line["event_type"] for line in lines] == [
        "ApplicationSubmitted", "MatchProposed", "ApprovalStageOpened"]
    view = (await service.client.get(f"/applications/{app['id']}",
                                     headers=as_applicant(service, sub))).json()
    assert view["status"] == "in_approval"


async def test_each_scheme_shows_its_own_approvers_in_what_is_awaited(service):
    due = datetime.now(UTC) + timedelta(days=3)
    cases = [(ev.Scheme.GOVERNMENT, ev.ApprovalStage.RELEASING_EMPLOYER, "employer", "emp-acme",
              "releasing employer decision"),
             (ev.Scheme.DIPLOMATIC, ev.ApprovalStage.FCDO_POST, "fcdo_post", "post-paris",
              "FCDO post decision")]
    for scheme, stage, role, org, what in cases:
        sub, app = await applied(service, scheme)
        await send(service, about(app, ev.ApprovalStageOpened, scheme=scheme, stage=stage,
                                  approver_role=role, approver_id=None, approver_org_id=org,
                                  due_at=due))
        view = await status_becomes(service, sub, app["id"], "in_approval")
        assert view["awaiting"]["what"] == what and org in view["awaiting"]["from"]


async def test_an_event_for_an_unknown_application_is_ignored(service):
    stray = example(ev.MatchProposed, application_id=uuid.uuid4())
    sub, app = await applied(service)
    await send(service, stray, about(app, ev.MatchProposed))
    await status_becomes(service, sub, app["id"], "matched")


async def test_a_declined_proposal_puts_the_application_back_to_matching(service):
    sub, app = await applied(service)
    await send(service, about(app, ev.MatchProposed))
    await status_becomes(service, sub, app["id"], "matched")
    await send(service, about(app, ev.MatchDeclined, reason="too far from home"))
    view = await status_becomes(service, sub, app["id"], "matching")
    assert view["awaiting"] == {"what": "another match proposal", "from": "the matching service"}
    lines = await timeline_has(service, sub, app, 3)
    assert "you declined the proposal" in lines[-1]["summary"]
    assert "too far from home" in lines[-1]["summary"]
