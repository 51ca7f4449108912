"""Journeys that leave the happy path: a refusal and the re-match to the next opportunity, a
withdrawal in the middle of the chain, a host's decline, and more applicants than places."""

from __future__ import annotations

import asyncio

from testkit.models import OpportunityOut, TimelineEntry

from tests.e2e.actors import ApiError, HrActor, Json, Users, event_types, grant_in_order, wait_for
from tests.e2e.conftest import Mailbox, World


async def civil_servant(world: World, what: str) -> tuple:
    """A civil servant who wants clean energy in the North West, with their line manager."""
    department, manager = world.name(f"{what}-dept"), world.name(f"{what}-manager")
    person = world.applicant(what)
    await person.civil_servant(department, manager, sectors=["clean_energy"],
                               preferred_regions=["North West"])
    return person, department, manager


def industry_chain(users: Users, department: str, manager: str) -> list:
    return [("line_manager", users.line_manager(manager)),
            ("departmental_hr", users.departmental_hr(department)),
            ("conflict_of_interest", users.ethics())]


async def applied(world: World, users: Users, what: str) -> tuple:
    """A civil servant (as above) who applied to the industry scheme, and their chain up to
    the host's stage."""
    person, department, manager = await civil_servant(world, what)
    app = await world.apply(person, "industry")
    return person, app, industry_chain(users, department, manager)


async def two_hosts(world: World) -> tuple[tuple, tuple]:
    """A best fit (clean energy, North West) and a second best (defence, London)."""
    best, second = world.host("best-fit"), world.host("second-best")
    best_opp = await world.publish(best, "industry", host_name=f"Best {world.tag}")
    second_opp = await world.publish(second, "industry", host_name=f"Second {world.tag}",
                                     sector="defence", host_sector="defence", region="London")
    return (best, best_opp), (second, second_opp)


def proposals(lines: list[TimelineEntry]) -> list[str]:
    return [line.summary for line in lines if line.event_type == "MatchProposed"]


async def test_a_refusal_at_the_ethics_stage_re_matches_to_the_next_best_opportunity(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    (best, best_opp), (second, second_opp) = await two_hosts(world)
    person, app, chain = await applied(world, users, "refused")
    await grant_in_order(app.id, chain[:2])
    ethics = users.ethics()
    stage = await ethics.waiting_stage(app.id, "conflict_of_interest")
    assert stage.opportunity_id == best_opp.opportunity_id
    refused = await ethics.refuse(stage.id, "advised the best-fit host on a procurement")
    assert refused.status == "refused" and refused.case_status == "rejected"

    lines = await person.wait_timeline(app.id, "MatchProposed", count=2)
    first, again = proposals(lines)
    assert str(best_opp.opportunity_id) in first and str(second_opp.opportunity_id) in again
    types = event_types(lines)
    assert types.index("ApprovalRefused") < types.index("PlacementRejected") \
        < len(types) - 1 - types[::-1].index("MatchProposed")
    released = await wait_for(lambda: _released(best, best_opp), "the best fit's place back")
    assert released["candidates"][0].release_reason == "refused"

    await grant_in_order(app.id, chain + [("host_acceptance", second)])
    await person.wait_status(app.id, "confirmed")
    placement = await second.wait_placement(app.id)
    assert placement.opportunity_id == second_opp.opportunity_id

    email = f"{person.sub}@civilservice.example"
    await mail.wait(email, "not approved at the conflict of interest check stage",
                    "will not go ahead", "is confirmed")
    assert sum("found a possible placement" in str(m["Subject"]) for m in mail.to(email)) == 2
    monitor = await hr.wait_monitor(app.id, "ApprovalRefused", "PlacementRejected",
                                    "PlacementConfirmed")
    assert [s["event_type"] for s in monitor["steps"]].count("MatchProposed") == 2


async def _released(host, opportunity: OpportunityOut) -> Json | None:
    now = await host.opportunity(opportunity.opportunity_id)
    candidates = await host.candidates(opportunity.opportunity_id)
    done = now.places_held == 0 and candidates and candidates[0].status == "released"
    return {"opportunity": now, "candidates": candidates} if done else None


async def test_a_withdrawal_mid_chain_closes_the_open_stage_and_gives_the_place_to_the_next(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    host = world.host("one-place")
    opp = await world.publish(host, "industry", capacity=1)
    person, app, chain = await applied(world, users, "withdrawer")
    await grant_in_order(app.id, chain[:1])
    dept_hr = chain[1][1]
    open_stage = await dept_hr.waiting_stage(app.id, "departmental_hr")

    withdrawn = await person.withdraw(app.id, "my department needs me after all")
    assert withdrawn.status == "withdrawn"
    try:
        await person.withdraw(app.id)
        raise AssertionError("a second withdrawal was accepted")
    except ApiError as exc:
        assert exc.status_code == 409

    closed = await wait_for(lambda: _stage_is(dept_hr, open_stage.id, "withdrawn"),
                            "the open departmental HR stage to close as withdrawn")
    assert closed.case_status == "rejected"
    await wait_for(lambda: _places_held(host, opp, 0), "the withdrawn applicant's place back")

    # The released place goes to the next applicant who fits it.
    nxt, nxt_app, _ = await applied(world, users, "next-in-line")
    lines = await nxt.wait_timeline(nxt_app.id, "MatchProposed")
    assert str(opp.opportunity_id) in proposals(lines)[0]

    lines = await person.timeline(app.id)
    assert "ApplicationWithdrawn" in event_types(lines)
    assert (await person.application(app.id)).status == "withdrawn"
    await mail.wait(f"{person.sub}@civilservice.example", "has been withdrawn")
    await hr.wait_monitor(app.id, "ApplicationWithdrawn", "PlacementRejected")


async def _stage_is(approver, stage_id, status: str):
    stage = await approver.stage(stage_id)
    return stage if stage.status == status else None


async def _places_held(host, opportunity: OpportunityOut, held: int) -> OpportunityOut | None:
    now = await host.opportunity(opportunity.opportunity_id)
    return now if now.places_held == held else None


async def test_a_host_decline_sends_the_applicant_to_the_next_best_host(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    (best, best_opp), (second, second_opp) = await two_hosts(world)
    person, app, chain = await applied(world, users, "declined")
    await grant_in_order(app.id, chain)
    stage = await best.waiting_stage(app.id, "host_acceptance")
    declined = await best.decline(stage.id, "no desk until the spring")
    assert declined.status == "refused"

    lines = await person.wait_timeline(app.id, "MatchProposed", count=2)
    assert str(second_opp.opportunity_id) in proposals(lines)[1]
    rejected = [ln for ln in lines if ln.event_type == "PlacementRejected"]
    assert "the host declined" in rejected[0].summary
    await grant_in_order(app.id, chain + [("host_acceptance", second)])
    await person.wait_status(app.id, "confirmed")
    assert (await second.wait_placement(app.id)).opportunity_id == second_opp.opportunity_id
    await wait_for(lambda: _places_held(best, best_opp, 0), "the declining host's place back")

    await mail.wait(f"{person.sub}@civilservice.example", "will not go ahead",
                    "is confirmed")
    monitor = await hr.wait_monitor(app.id, "ApprovalRefused", "PlacementRejected",
                                    "PlacementConfirmed")
    assert monitor["scheme"] == "industry"


async def test_more_applicants_than_places_confirms_exactly_as_many_as_there_are_places(
        world: World, users: Users, mail: Mailbox, hr: HrActor) -> None:
    places, applicants = 2, 5
    host = world.host("small-team")
    opp = await world.publish(host, "industry", capacity=places)
    people = [await civil_servant(world, f"rush-{i}") for i in range(applicants)]
    apps = await asyncio.gather(*(world.apply(p, "industry") for p, _, _ in people))

    async def outcomes() -> dict | None:
        seen = {a.id: (await p.application(a.id)).status
                for (p, _, _), a in zip(people, apps, strict=True)}
        return seen if "submitted" not in seen.values() else None
    settled = await wait_for(outcomes, "every application to be matched or told no match")
    matched = [i for i, a in enumerate(apps) if settled[a.id] != "waiting"]
    assert len(matched) == places, settled
    held = await host.opportunity(opp.opportunity_id)
    assert held.places_held == places

    for i in matched:
        person, department, manager = people[i]
        chain = industry_chain(users, department, manager) + [("host_acceptance", host)]
        await grant_in_order(apps[i].id, chain)
    for i in matched:
        await people[i][0].wait_status(apps[i].id, "confirmed")
    for i in set(range(applicants)) - set(matched):
        person = people[i][0]
        lines = await person.timeline(apps[i].id)
        assert "NoMatchFound" in event_types(lines)
        assert lines[-1].summary.startswith("no suitable opportunity found"), lines[-1]
        assert lines[-1].status == "waiting"  # live: matching proposes when a place frees
        await mail.wait(f"{person.sub}@civilservice.example", "not found a placement")

    # Never more than N confirmed: a late applicant finds the opportunity full.
    late, _, _ = await civil_servant(world, "late")
    late_app = await world.apply(late, "industry")
    await late.wait_timeline(late_app.id, "NoMatchFound")
    confirmed = [c for c in await host.candidates(opp.opportunity_id)
                 if c.status == "confirmed"]
    assert len(confirmed) == places
    assert len(await host.confirmed_placement_ids()) == places
    kpis = await hr.kpis()
    assert kpis["fill_rate"]["by_sector"]["clean_energy"]["confirmed"] <= \
        kpis["fill_rate"]["by_sector"]["clean_energy"]["places"]
