"""Places that free up later: a NoMatchFound applicant waits (live) and follows the place a
withdrawal frees, and withdrawing a confirmed placement before it starts releases it
(docs/architecture.md §2: withdrawal is compensation; it closes the open stage and frees the
place). Both were cross-service gaps these journeys found."""

from __future__ import annotations

import pytest

from tests.e2e.actors import ApiError, Users, event_types, grant_in_order, wait_for
from tests.e2e.conftest import World
from tests.e2e.test_journeys_detours import applied


async def test_an_applicant_told_no_match_follows_the_place_that_frees_up_later(
        world: World, users: Users) -> None:
    host = world.host("single-place")
    opp = await world.publish(host, "industry", capacity=1)
    first, first_app, _ = await applied(world, users, "first")
    await first.wait_status(first_app.id, "in_approval")
    second, second_app, _ = await applied(world, users, "second")
    await second.wait_timeline(second_app.id, "NoMatchFound")
    assert (await second.application(second_app.id)).status == "waiting"

    await first.withdraw(first_app.id, "changed my mind")
    lines = await second.wait_timeline(second_app.id, "MatchProposed")
    assert str(opp.opportunity_id) in [ln.summary for ln in lines
                                       if ln.event_type == "MatchProposed"][0]
    await second.wait_status(second_app.id, "matched", "in_approval")


async def test_withdrawing_a_confirmed_placement_before_it_starts_releases_the_place(
        world: World, users: Users) -> None:
    host = world.host("confirmed-then-withdrawn")
    opp = await world.publish(host, "industry", capacity=1)
    person, app, chain = await applied(world, users, "late-withdrawer")
    await grant_in_order(app.id, chain + [("host_acceptance", host)])
    await person.wait_status(app.id, "confirmed")
    placement = await host.wait_placement(app.id)
    await person.withdraw(app.id, "a family matter")
    assert "ApplicationWithdrawn" in event_types(await person.timeline(app.id))

    async def released():
        now = await host.opportunity(opp.opportunity_id)
        return now if now.places_held == 0 else None
    await wait_for(released, "the withdrawn applicant's confirmed place back")
    with pytest.raises(ApiError) as refused:
        await host.start(placement.id, started_on=placement.start_date)
    assert refused.value.status_code == 409
