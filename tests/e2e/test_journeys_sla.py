"""SLA timers on a real clock: an undecided stage is reminded, escalated to HR (who may then
decide it), and finally expires, which sends the application back to matching.

The e2e system gives only the security-vetting stage a short SLA (conftest.E2E_ENV): it opens
when a government-scheme post needs more clearance than the professional holds."""

from __future__ import annotations

from testkit.models import ApplicationOut

from tests.e2e.actors import HrActor, Json, Users, event_types, grant_in_order, wait_for
from tests.e2e.conftest import VETTING_DUE_SECONDS, VETTING_EXPIRY_FACTOR, Mailbox, World

HR_MAIL = "hr@placements.example"
VETTING_MAIL = "vetting@placements.example"


async def to_vetting(world: World, users: Users, what: str) -> tuple:
    """A professional holding BPSS matched with a post needing SC, approved up to vetting."""
    host = world.host(f"{what}-department")
    await world.publish(host, "government", clearance_needed="SC",
                        host_name=f"Department {what} {world.tag}")
    employer = world.name(f"{what}-employer")
    person = world.applicant(what)
    await person.industry_professional(employer, clearance_held="BPSS")
    app = await world.apply(person, "government")
    await grant_in_order(app.id, [("releasing_employer", users.employer(employer)),
                                     ("host_department", host)])
    stage = await users.vetting().waiting_stage(app.id, "security_vetting")
    return host, person, app, stage


async def test_an_overdue_vetting_stage_is_escalated_to_hr_who_then_decides_it(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host, person, app, stage = await to_vetting(world, users, "escalated")
    vetting = users.vetting()

    async def escalated() -> Json | None:
        now = await vetting.stage(stage.id)
        return now if now.escalated else None
    await wait_for(escalated, "the vetting stage to be escalated",
                   within=VETTING_DUE_SECONDS + 20)
    # The applicant service hears of the escalation over Kafka, a moment after approval.
    async def applicant_told() -> ApplicationOut | None:
        view = await person.application(app.id)
        return view if view.awaiting.from_ == "HR" else None
    view = await wait_for(applicant_told, "the applicant's view to show the escalation")
    assert (view.awaiting.what, view.awaiting.from_) == \
        ("security vetting decision (escalated)", "HR")

    async def breach_listed() -> Json | None:
        kpis = await hr.kpis()
        return kpis if any(b["application_id"] == str(app.id)
                           for b in kpis["open_sla_breaches"]) else None
    await wait_for(breach_listed, "the monitor to list the open SLA breach")

    granted = await hr.grant(stage.id, note="vetting done by the central team")
    assert granted.status == "granted" and granted.decided_by == hr.sub
    await grant_in_order(app.id, [("conflict_of_interest", users.ethics())])
    await person.wait_status(app.id, "confirmed")

    lines = await person.timeline(app.id)
    types = event_types(lines)
    assert types.index("ApprovalReminderDue") < types.index("ApprovalEscalated") \
        < types.index("PlacementConfirmed"), types
    await mail.wait(VETTING_MAIL, "decision is needed: security vetting", "Reminder")
    escalations = await mail.wait(HR_MAIL, "Escalation: security vetting decision overdue")
    assert any(f"/tasks/{stage.id}" in m.get_content() for m in escalations)

    async def breach_cleared() -> Json | None:
        kpis = await hr.kpis()
        return kpis if all(b["application_id"] != str(app.id)
                           for b in kpis["open_sla_breaches"]) else None
    await wait_for(breach_cleared, "the breach to leave the monitor once HR decided")


async def test_a_vetting_stage_nobody_decides_expires_and_the_application_goes_back_to_matching(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host, person, app, stage = await to_vetting(world, users, "expired")
    expiry = VETTING_DUE_SECONDS * VETTING_EXPIRY_FACTOR

    lines = await person.wait_timeline(app.id, "PlacementRejected", within=expiry + 30)
    rejected = next(ln for ln in lines if ln.event_type == "PlacementRejected")
    assert "a deadline passed" in rejected.summary
    closed = await users.vetting().stage(stage.id)
    assert (closed.status, closed.case_status) == ("expired", "rejected")
    # Its only opportunity failed for it, so matching says there is nothing else.
    lines = await person.wait_timeline(app.id, "NoMatchFound")
    assert "previously failed pair" in lines[-1].summary
    types = event_types(lines)
    assert types.index("ApprovalEscalated") < types.index("PlacementRejected")

    await mail.wait(f"{person.sub}@industry.example", "will not go ahead",
                    "not found a placement")
    expired_mail = [m for m in mail.to(f"{person.sub}@industry.example")
                    if "will not go ahead" in str(m["Subject"])]
    assert "a deadline passed" in expired_mail[0].get_content()
    monitor = await hr.wait_monitor(app.id, "ApprovalEscalated", "PlacementRejected",
                                    "NoMatchFound")
    assert monitor["scheme"] == "government"
