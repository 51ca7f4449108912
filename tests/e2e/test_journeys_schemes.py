"""Each scheme end to end, as its users would do it over HTTP: apply, get matched, every
approval stage of the scheme's chain, host acceptance, confirmed placement, start, extend, end
with feedback. Each asserts the applicant's timeline, the emails sent, and the HR monitor."""

from __future__ import annotations

from datetime import date

from notification.wording import stage as stage_words
from testkit.bodies import EMAIL_DOMAIN, KIND_OF
from testkit.models import PlacementOut

from tests.e2e.actors import (
    ApplicantActor,
    ApproverActor,
    HrActor,
    Json,
    Users,
    event_types,
    grant_in_order,
    wait_for,
)
from tests.e2e.conftest import Mailbox, World


async def live_through_placement(host: ApproverActor, applicant: ApplicantActor,
                                 placement: PlacementOut) -> PlacementOut:
    """Host starts it today, extends it by a month, then ends it today with its rating (an
    end may not lie in the future, nor before the day it started)."""
    pid = placement.id
    started = await host.start(pid)
    assert started.status == "started"
    await applicant.wait_status(placement.application_id, "started")
    end = placement.end_date
    longer = date(end.year + (end.month == 12), end.month % 12 + 1, min(end.day, 28))
    extended = await host.extend(pid, longer)
    assert extended.end_date == longer
    ended = await host.end(pid, "completed", host_rating=5,
                           skills_gained=["stakeholder management"])
    assert (ended.status, ended.outcome, ended.host_rating) == ("ended", "completed", 5)
    return ended


async def assert_whole_journey(world: World, mail: Mailbox, hr: HrActor,
                               applicant: ApplicantActor, scheme: str, host,
                               chain: list[tuple[str, ApproverActor]]) -> None:
    """The applicant (profile saved) applies to `scheme`, `chain` approves in turn, and the
    placement is lived through; then the timeline, mail, monitor and KPIs must show it."""
    kpis_before = await hr.kpis()
    application = await world.apply(applicant, scheme)
    applicant_email = f"{applicant.sub}@{EMAIL_DOMAIN[KIND_OF[scheme]]}"
    app_id = application.id
    await applicant.wait_status(app_id, "in_approval")
    await grant_in_order(app_id, chain)
    confirmed = await applicant.wait_status(app_id, "confirmed")
    assert confirmed.awaiting.from_ == host.org
    placement = await host.wait_placement(app_id)
    assert placement.status == "confirmed" and placement.applicant_id == applicant.sub
    assert (await applicant.placement(placement.id)).id == placement.id  # placee sees it
    await live_through_placement(host, applicant, placement)
    await applicant.wait_status(app_id, "ended")

    lines = await applicant.timeline(app_id)
    types = event_types(lines)
    stages = [name for name, _ in chain]
    assert types[:2] == ["ApplicationSubmitted", "MatchProposed"], types
    assert types.count("ApprovalStageOpened") == len(stages), types
    assert types.count("ApprovalGranted") == len(stages), types
    assert types[-5:] == ["PlacementApproved", "PlacementConfirmed", "PlacementStarted",
                          "PlacementExtended", "PlacementEnded"], types
    assert "ended on" in lines[-1].summary and "completed" in lines[-1].summary

    expected = ["received your placement application", "found a possible placement",
                "has been approved", "is confirmed",
                *[f"passed {stage_words(s)}" for s in stages]]
    got = await mail.wait(applicant_email, *expected)
    subjects = [str(m["Subject"]) for m in got]
    for part in expected:  # each message once: no duplicate deliveries
        assert sum(part in s for s in subjects) == 1, (part, subjects)
    await mail.wait(f"host.{host.org}@placements.example", "candidate has been proposed",
                    "Placement confirmed from")

    monitor = await hr.wait_monitor(app_id, "ApplicationSubmitted", "MatchProposed",
                                    "ApprovalStageOpened", "ApprovalGranted",
                                    "PlacementApproved", "PlacementConfirmed",
                                    "PlacementStarted", "PlacementExtended", "PlacementEnded")
    assert monitor["scheme"] == scheme
    opened = [s for s in monitor["steps"] if s["event_type"] == "ApprovalStageOpened"]
    assert len(opened) == len(stages)

    async def kpis_counted() -> Json | None:
        now = await hr.kpis()
        done = (now["outcomes"]["ended"] == kpis_before["outcomes"]["ended"] + 1
                and now["applications"] == kpis_before["applications"] + 1)
        return now if done else None
    kpis = await wait_for(kpis_counted, "the monitor's KPIs to count one more ended placement")
    assert kpis["by_scheme"][scheme] == kpis_before["by_scheme"].get(scheme, 0) + 1
    assert kpis["outcomes"]["by_outcome"]["completed"] == \
        kpis_before["outcomes"]["by_outcome"].get("completed", 0) + 1
    assert kpis["time_to_confirmed_seconds"]["count"] == \
        kpis_before["time_to_confirmed_seconds"]["count"] + 1


async def test_a_civil_servant_goes_into_industry_through_line_manager_hr_ethics_and_host(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host = world.host("windco")
    await world.publish(host, "industry", host_name=f"Windco {world.tag}")
    department, manager = world.name("dept"), world.name("manager")
    applicant = world.applicant("civil-servant")
    await applicant.civil_servant(department, manager)
    chain = [("line_manager", users.line_manager(manager)),
             ("departmental_hr", users.departmental_hr(department)),
             ("conflict_of_interest", users.ethics()),
             ("host_acceptance", host)]
    await assert_whole_journey(world, mail, hr, applicant, "industry", host, chain)
    await mail.wait(f"{manager}@placements.example", "decision is needed: line manager")


async def test_an_industry_professional_comes_into_government_released_by_their_employer(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host = world.host("energy-department")
    await world.publish(host, "government", host_name=f"Department {world.tag}",
                        sector="digital_and_technologies", clearance_needed="BPSS")
    employer = world.name("acme")
    applicant = world.applicant("professional")
    await applicant.industry_professional(employer)
    # The professional already holds BPSS, so no security vetting stage is needed.
    chain = [("releasing_employer", users.employer(employer)),
             ("host_department", host),
             ("conflict_of_interest", users.ethics())]
    await assert_whole_journey(world, mail, hr, applicant, "government", host, chain)
    await mail.wait(f"employer.{employer}@placements.example",
                    "decision is needed: releasing employer")


async def test_a_diplomat_goes_into_an_sme_abroad_with_post_bcc_ethics_and_sme_approval(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host = world.host("paris-sme")
    opportunity = await world.publish(host, "diplomatic", host_name=f"Atelier {world.tag}",
                                      sector="creative_industries")
    chamber = opportunity.data["bcc_chamber_id"]
    post = world.name("post-paris")
    applicant = world.applicant("diplomat")
    await applicant.diplomat(post, preferred_countries=["FR"])
    chain = [("fcdo_post", users.fcdo_post(post)),
             ("bcc_endorsement", users.bcc(chamber)),
             ("conflict_of_interest", users.ethics()),
             ("sme_acceptance", host)]
    await assert_whole_journey(world, mail, hr, applicant, "diplomatic", host, chain)
    await mail.wait(f"bcc.{chamber}@placements.example",
                    "decision is needed: British Chambers of Commerce endorsement")
