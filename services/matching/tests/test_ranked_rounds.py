"""Rounds over real rank order lists, through the service on the real broker and database,
each result checked by the independent checker in stability.py."""

import asyncio
import random

from testkit.harness.events import TopicReader

from . import ranking_support as ranking
from .matching_support import unique_org
from .stability import blocking_pairs, over_capacity, stable_matchings


async def _lists(svc, org, apps, opps, lists, hosts) -> None:
    for a, wanted in lists.items():
        assert (await ranking.rank(svc, apps[a], [opps[o] for o in wanted])).status_code == 200
    for o, order in hosts.items():
        response = await ranking.host_rank(svc, org, opps[o], [apps[a] for a in order])
        assert response.status_code == 200, response.text


async def test_a_round_over_built_lists_returns_their_unique_stable_matching(cohort):
    org = unique_org()
    opps = dict(zip(["o1", "o2", "o3"], await ranking.opportunities(cohort, org, 3), strict=True))
    apps = dict(zip(["a1", "a2", "a3"], await ranking.waiting_applicants(cohort, 3), strict=True))
    lists = {"a1": ["o1", "o2"], "a2": ["o1", "o3"], "a3": ["o2", "o1"]}
    # o1 prefers a2 to a1 although a1 asked first; o2 takes a1 over a3
    hosts = {"o1": ["a2", "a1", "a3"], "o2": ["a1", "a3"], "o3": ["a2"]}
    expected = {"a1": "o2", "a2": "o1"}
    assert stable_matchings(lists, hosts, dict.fromkeys(opps, 1)) == [expected]
    await _lists(cohort, org, apps, opps, lists, hosts)
    round_ = await ranking.run_round(cohort, seed=7)
    assert round_["seed"] == 7 and round_["report"]["seed"] == 7
    got = await ranking.proposals(cohort)
    assert got == {str(apps[a].application_id): opps[o] for a, o in expected.items()}
    reasons = round_["report"]["unmatched_reasons"]
    assert list(reasons) == ["its ranked opportunities were filled by candidates their hosts "
                             "ranked higher"]
    async with TopicReader(cohort.settings.kafka_bootstrap_servers,
                           cohort.settings.topic("matches")) as reader:
        done = await reader.wait_for_event("RoundMatched")
    assert str(done.round_id) == round_["round_id"] and done.seed == 7 and done.matched == 2


async def test_a_random_ranked_round_has_no_blocking_pair_and_no_place_over_capacity(cohort):
    rnd = random.Random(2026)
    org = unique_org()
    names = [f"o{i}" for i in range(6)]
    capacity = {o: rnd.randint(1, 3) for o in names}
    opps = {}
    for o in names:
        [opps[o]] = await ranking.opportunities(cohort, org, 1, capacity=capacity[o])
    apps = {f"a{i}": app for i, app in enumerate(await ranking.waiting_applicants(cohort, 16))}
    lists = {a: rnd.sample(names, rnd.randint(1, 4)) for a in apps}
    hosts = {o: rnd.sample(rankers, len(rankers)) for o in names
             if (rankers := [a for a in apps if o in lists[a]])}
    await _lists(cohort, org, apps, opps, lists, hosts)
    await ranking.run_round(cohort)
    by_id = {str(app.application_id): a for a, app in apps.items()}
    by_opp = {v: k for k, v in opps.items()}
    matching = {by_id[a]: by_opp[o] for a, o in (await ranking.proposals(cohort)).items()}
    assert matching, "some places are filled"
    assert over_capacity(matching, capacity) == []
    assert blocking_pairs(lists, hosts, capacity, matching) == []


async def test_a_host_exclusion_and_a_conflict_of_interest_outrank_any_rank(cohort):
    org = unique_org()
    [opp] = await ranking.opportunities(cohort, org, 1, capacity=2)
    conflicted = (await ranking.waiting_applicants(cohort, 1, declared_interests=(
        {"organisation_id": org, "kind": "procurement"},)))[0]
    fine, unwanted, outsider = await ranking.waiting_applicants(cohort, 3)
    for app in (conflicted, fine, unwanted):
        assert (await ranking.rank(cohort, app, [opp])).status_code == 200
    assert (await ranking.rank(cohort, outsider, [])).status_code == 200  # wants nothing here
    stranger = await ranking.host_rank(cohort, org, opp, [fine, outsider])
    assert stranger.status_code == 422 and stranger.json()["field"] == "order.1"
    assert "did not rank this opportunity" in stranger.json()["detail"]
    twice = await ranking.host_rank(cohort, org, opp, [fine], excluded=[(fine, "changed our mind")])
    assert twice.status_code == 422 and twice.json()["field"] == "excluded.0.application_id"
    ranked = await ranking.host_rank(cohort, org, opp, [conflicted, fine],
                             excluded=[(unwanted, "not available for the whole window")])
    assert ranked.status_code == 200, ranked.text
    view = {c["application_id"]: c for c in ranked.json()["candidates"]}
    assert view[str(conflicted.application_id)]["blocked_by"] == ["conflict_of_interest"]
    assert view[str(unwanted.application_id)]["excluded_reason"].startswith("not available")
    # lifting it keeps the audit trail
    await ranking.host_rank(cohort, org, opp, [conflicted, fine])
    history = (await cohort.client.get(f"/opportunities/{opp}/ranking", headers=cohort.auth(
        "hr", "hr"))).json()["exclusion_history"]
    assert [h["application_id"] for h in history] == [str(unwanted.application_id)]
    await ranking.host_rank(cohort, org, opp, [conflicted, fine], excluded=[(unwanted, "still no")])
    await ranking.run_round(cohort)
    assert await ranking.proposals(cohort) == {str(fine.application_id): opp}


async def test_two_hr_users_starting_the_same_round_at_once_get_one_round(cohort):
    [opp] = await ranking.opportunities(cohort, unique_org(), 1, capacity=3)
    await ranking.waiting_applicants(cohort, 3)
    first, second = await asyncio.gather(
        cohort.client.post("/rounds", headers=cohort.auth("hr-1", "hr")),
        cohort.client.post("/rounds", headers=cohort.auth("hr-2", "hr")))
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json()["round_id"] == second.json()["round_id"]
    assert first.json()["report"]["matched"] == 3
    assert await cohort.runtime.pool.fetchval("SELECT count(*) FROM rounds") == 1
    assert len(await ranking.proposals(cohort)) == 3


async def test_stored_targets_change_the_result_only_where_the_report_says_they_bound(cohort):
    org = unique_org()
    [london] = await ranking.opportunities(cohort, org, 1, region="London")
    [north] = await ranking.opportunities(cohort, org, 1)  # North West, clean energy as well
    opps = {"london": london, "north": north}
    apps = dict(zip(["ann", "bob"], await ranking.waiting_applicants(cohort, 2), strict=True))
    lists = {"ann": ["london", "north"], "bob": ["london"]}
    hosts = {"london": ["ann", "bob"], "north": ["ann"]}
    await _lists(cohort, org, apps, opps, lists, hosts)
    stored = await cohort.client.put("/targets", headers=cohort.auth("boss", "hr"), json={
        "minimum_shares": [{"dimension": "region", "value": "North West", "share": 0.5},
                           {"dimension": "sector", "value": "clean_energy", "share": 0.5}]})
    assert stored.status_code == 200, stored.text
    report = (await ranking.run_round(cohort))["report"]
    region, sector = report["targets"]
    assert (region["value"], region["bound"], region["met"]) == ("North West", True, True)
    assert region["achieved_without_target"] == 0 and region["achieved"] == 1
    assert (sector["bound"], sector["pairs_held_apart"]) == (False, 0)
    held = {(p["application_id"], p["opportunity_id"]) for p in region["held_apart"]}
    assert held == {(str(apps["ann"].application_id), london)}
    by_id = {str(app.application_id): a for a, app in apps.items()}
    by_opp = {v: k for k, v in opps.items()}
    matching = {by_id[a]: by_opp[o] for a, o in (await ranking.proposals(cohort)).items()}
    assert matching == {"ann": "north", "bob": "london"}
    # without the target Ann would have kept London; the only blocking pair is the one held apart
    blocking = blocking_pairs(lists, hosts, {"london": 1, "north": 1}, matching)
    assert {(str(apps[a].application_id), opps[o]) for a, o in blocking} == held
