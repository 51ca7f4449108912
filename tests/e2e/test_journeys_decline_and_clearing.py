"""Turning down one proposal, and clearing after a round's match day (issue 21).

- Decline (the shared system, continuous mode): the place goes back to its host, the
  application stays live and is proposed its next best at once; the declined pair is never
  proposed again, and the approver's stage for it closes.
- Clearing (a system of its own with continuous matching off, as a scheme running on rounds
  would be): two applicants rank the same one-place opportunity; match day comes by the
  round's timer (waited for, no sleep), the round gives the place to one; clearing then offers
  the place nobody ranked to the one left unmatched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from testkit.models import RankingOut, RoundIn

from tests.e2e.actors import PATIENCE, ApiError, Users, event_types, wait_for
from tests.e2e.conftest import E2E_ENV, World
from tests.e2e.system import System, start_system, stop_system
from tests.e2e.test_journeys_detours import applied, proposals, two_hosts

ROUNDS_YEAR = 2090  # the rounds system is a system of its own: no other test's year to avoid


async def test_an_applicant_declines_one_proposal_and_is_proposed_the_next_best_at_once(
        world: World, users: Users) -> None:
    (best, best_opp), (second, second_opp) = await two_hosts(world)
    person, app, chain = await applied(world, users, "decliner")
    first = proposals(await person.wait_timeline(app.id, "MatchProposed"))
    assert str(best_opp.opportunity_id) in first[0]
    manager = chain[0][1]
    stage = await manager.waiting_stage(app.id, "line_manager")
    assert stage.host_org_id == best.org

    await person.decline_proposal(app.id, "the commute is too long")
    lines = await person.wait_timeline(app.id, "MatchProposed", count=2)
    assert str(second_opp.opportunity_id) in proposals(lines)[1]
    assert "MatchDeclined" in event_types(lines)
    assert (await person.application(app.id)).status not in ("withdrawn", "rejected")

    async def place_back():
        now = await best.opportunity(best_opp.opportunity_id)
        return now if now.places_held == 0 else None

    await wait_for(place_back, "the declined place back with its host")

    # The line manager now sees only the new proposal's stage; the declined one is closed.
    async def next_stage():
        found = await manager.waiting_stage(app.id, "line_manager")
        return found if found.host_org_id == second.org else None

    await wait_for(next_stage, "the line manager's stage for the second proposal")
    mine = [s for s in await manager.stages("open") if str(s.application_id) == str(app.id)]
    assert [s.host_org_id for s in mine] == [second.org]
    # The declined pair is never proposed again, even with its place free.
    final = proposals(await person.timeline(app.id))
    assert sum(str(best_opp.opportunity_id) in line for line in final) == 1


async def rank_once_known(person, application_id, opportunity_ids) -> RankingOut:
    """Matching knows an application once it has read its submission (404 until then)."""
    async def probe() -> RankingOut | None:
        try:
            return await person.rank(application_id, opportunity_ids)
        except ApiError as exc:
            if exc.status_code == 404:
                return None
            raise
    return await wait_for(probe, f"matching to know application {application_id}")


@pytest.fixture(scope="module")
async def rounds_system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """The whole system with matching on rounds (no continuous proposals before clearing)
    and its match-day timer polled often."""
    env = {**E2E_ENV, "MATCHING_CONTINUOUS_MATCHING": "false",
           "MATCHING_TIMER_POLL_SECONDS": "0.2"}
    running = await start_system(tmp_path_factory.mktemp("rounds"), extra_env=env)
    try:
        yield running
    finally:
        await stop_system(running)


@pytest.fixture
async def on_rounds(rounds_system: System) -> AsyncIterator[World]:
    async with Users.of(rounds_system) as users:
        made = World(users, ROUNDS_YEAR)
        try:
            yield made
        finally:
            await made.tidy()


async def test_after_match_day_clearing_offers_the_unfilled_place_to_the_unmatched_applicant(
        on_rounds: World) -> None:
    world, users = on_rounds, on_rounds.users
    (popular, popular_opp), (_, spare_opp) = await two_hosts(world)
    one, one_app, _ = await applied(world, users, "first-ranker")
    two, two_app, _ = await applied(world, users, "second-ranker")
    for person, app in ((one, one_app), (two, two_app)):
        ranked = await rank_once_known(person, app.id, [popular_opp.opportunity_id])
        assert ranked.opportunity_ids == [popular_opp.opportunity_id]
    # Nothing is proposed before match day: matching runs on rounds here.
    assert "MatchProposed" not in event_types(await one.timeline(one_app.id))

    hr = users.hr()
    now = datetime.now(UTC)
    opened = await hr.start_round(RoundIn(ranking_deadline=now + timedelta(seconds=5),
                                          match_at=now + timedelta(seconds=6)))
    assert opened.status == "ranking"

    async def cleared():
        found = await hr.round(opened.round_id)
        return found if found.clearing_from is not None else None

    done = await wait_for(cleared, "match day to run the round and start clearing", PATIENCE)
    assert done.status == "matched" and done.seed is not None

    got = {}
    for person, app in ((one, one_app), (two, two_app)):
        lines = await person.wait_timeline(app.id, "MatchProposed")
        got[str(app.id)] = (event_types(lines), proposals(lines))
    winners = [a for a, (_, said) in got.items() if str(popular_opp.opportunity_id) in said[0]]
    assert len(winners) == 1, got  # one place, two who ranked it
    loser = next(a for a in got if a not in winners)
    types, said = got[loser]
    # The round told the loser no; clearing then proposed the place nobody had ranked.
    assert types.index("NoMatchFound") < types.index("MatchProposed"), types
    assert str(spare_opp.opportunity_id) in said[0]

    async def popular_filled():
        now = await popular.opportunity(popular_opp.opportunity_id)
        return now if now.places_held == 1 else None

    await wait_for(popular_filled, "the ranked place held by the round's match")
