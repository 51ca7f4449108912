"""The round's core over rank order lists, checked by the independent stability.py."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st
from matching.domain import Applicant, Opportunity, feasible
from matching.rounds import Minimum, run_round

from .matching_strategies import REGIONS, RULES, TODAY, worlds
from .stability import blocking_pairs, over_capacity


@st.composite
def ranked_worlds(draw):
    """A world, each applicant's list (some have none), and hosts ranking all who ranked
    them (so an opportunity's preferences are fully stated, and the checker needs no score)."""
    apps, opps = draw(worlds(max_applicants=20, max_opportunities=8))
    rnd = draw(st.randoms(use_true_random=False))
    ids = [o.id for o in opps]
    choices = {a.id: rnd.sample(ids, rnd.randint(0, min(4, len(ids)))) for a in apps
               if rnd.random() < 0.8}
    hosts = {o: rnd.sample(rankers, len(rankers)) for o in ids
             if (rankers := [a for a, wanted in choices.items() if o in wanted])}
    return apps, opps, choices, hosts


@st.composite
def open_worlds(draw):
    """Every pair feasible, regions mixed: targets have room to bind."""
    rnd = draw(st.randoms(use_true_random=False))
    n, m = draw(st.integers(2, 20)), draw(st.integers(2, 8))
    apps = [Applicant(id=f"a{i:03d}", scheme="industry", kind="civil_servant",
                      earliest_start=TODAY) for i in range(n)]
    opps = [Opportunity(id=f"o{j:03d}", host_org_id="h", host_name="H", scheme="industry",
                        sector="defence", country="GB", region=rnd.choice(REGIONS),
                        window_from=TODAY, places=rnd.randint(1, 2)) for j in range(m)]
    ids = [o.id for o in opps]
    choices = {a.id: rnd.sample(ids, rnd.randint(1, min(4, m))) for a in apps}
    hosts = {o: rnd.sample(rankers, len(rankers)) for o in ids
             if (rankers := [a for a, wanted in choices.items() if o in wanted])}
    return apps, opps, choices, hosts


def _stated(apps, opps, choices, hosts):
    """What the round may use, by the rules alone: feasible listed pairs, places left."""
    a_by, o_by = {a.id: a for a in apps}, {o.id: o for o in opps}
    ok = {(a, o) for a, wanted in choices.items() for o in wanted
          if o_by[o].places > 0 and feasible(a_by[a], o_by[o], RULES)}
    lists = {a: [o for o in wanted if (a, o) in ok] for a, wanted in choices.items()}
    ranks = {o: [a for a in order if (a, o) in ok] for o, order in hosts.items()}
    return lists, ranks, {o.id: o.places for o in opps}


def _positions(hosts):
    """The host lists as the round takes them: application -> position, 1 = best."""
    return {o: {a: n + 1 for n, a in enumerate(order)} for o, order in hosts.items()}


def _matching(result):
    return {a.id: o.id for a, o in result.pairs()}


@settings(max_examples=150, deadline=None)
@given(ranked_worlds(), st.integers(0, 2**53 - 1))
def test_a_ranked_round_has_no_blocking_pair_and_no_place_over_capacity(world, seed):
    apps, opps, choices, hosts = world
    result = run_round(apps, opps, RULES, choices=choices, host_order=_positions(hosts), seed=seed)
    lists, ranks, capacity = _stated(apps, opps, choices, hosts)
    matching = _matching(result)
    assert over_capacity(matching, capacity) == []
    assert blocking_pairs(lists, ranks, capacity, matching) == []
    for a, wanted in lists.items():
        assert matching.get(a) in (None, *wanted)  # never placed where they did not ask


@settings(max_examples=60, deadline=None)
@given(ranked_worlds(), st.integers(0, 2**53 - 1))
def test_the_same_seed_and_lists_give_the_same_round(world, seed):
    apps, opps, choices, hosts = world
    first = run_round(apps, opps, RULES, choices=choices, host_order=_positions(hosts), seed=seed)
    again = run_round(apps[::-1], opps[::-1], RULES, choices=choices, host_order=_positions(hosts),
                      seed=seed)
    assert _matching(first) == _matching(again)


@settings(max_examples=150, deadline=None)
@given(st.one_of(ranked_worlds(), open_worlds()), st.sampled_from(["London", "Scotland", "FR"]),
       st.floats(0.05, 0.9))
def test_a_target_changes_the_result_only_where_the_report_says_it_bound(world, place, share):
    apps, opps, choices, hosts = world
    plain = run_round(apps, opps, RULES, choices=choices, host_order=_positions(hosts))
    aimed = run_round(apps, opps, RULES, choices=choices, host_order=_positions(hosts),
                      minimums=(Minimum("region", place, share),))
    [outcome] = aimed.targets
    if not outcome["bound"]:
        assert _matching(aimed) == _matching(plain)
        assert outcome["achieved"] == outcome["achieved_without_target"]
        return
    held = {(p["application_id"], p["opportunity_id"]) for p in outcome["held_apart"]}
    assert len(held) == outcome["pairs_held_apart"] > 0
    assert outcome["achieved"] > outcome["achieved_without_target"]
    lists, ranks, capacity = _stated(apps, opps, choices, hosts)
    matching = _matching(aimed)
    assert over_capacity(matching, capacity) == []
    # the only blocking pairs are pairs the report says were held apart
    assert set(blocking_pairs(lists, ranks, capacity, matching)) <= held
    taken = Counter(_matching(aimed).values())
    assert all(taken[o.id] <= o.places for o in opps)
