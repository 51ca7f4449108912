from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from matching.domain import feasible, rank_key, score
from matching.preferences import preference_lists
from matching.rounds import Minimum, blocking_pairs, group_of, report, run_round

from .matching_strategies import RULES, TODAY, exclusions, worlds

BIG_K = 10_000


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_a_round_never_fills_an_opportunity_beyond_its_places(world):
    apps, opps = world
    result = run_round(apps, opps, RULES, k=3)
    taken = Counter(j for j in result.match if j >= 0)
    assert all(taken[j] <= o.places for j, o in enumerate(result.opportunities))


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_every_matched_pair_passes_every_hard_filter(world):
    apps, opps = world
    result = run_round(apps, opps, RULES, k=5)
    for a, o in result.pairs():
        assert feasible(a, o, RULES)


@settings(max_examples=150, deadline=None)
@given(worlds(), st.sampled_from([1, 2, 5, BIG_K]))
def test_a_round_leaves_no_blocking_pair_on_the_lists(world, k):
    apps, opps = world
    result = run_round(apps, opps, RULES, k=k)
    assert blocking_pairs(result, [o.places for o in result.opportunities]) == []


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_with_full_lists_no_feasible_pair_blocks_the_match(world):
    # Checked against the pure rules directly, not against the round's own lists.
    apps, opps = world
    result = run_round(apps, opps, RULES, k=BIG_K)
    taken = Counter(j for j in result.match if j >= 0)
    for i, a in enumerate(result.applicants):
        mine = result.match[i]
        my_key = (rank_key(score(a, result.opportunities[mine], RULES)), -mine) if mine >= 0 \
            else None
        for j, o in enumerate(result.opportunities):
            if j == mine or not feasible(a, o, RULES):
                continue
            if my_key is not None and (rank_key(score(a, o, RULES)), -j) < my_key:
                continue
            holders = [(result.keys[b], -b) for b, x in enumerate(result.match) if x == j]
            assert taken[j] >= o.places
            assert min(holders) > (rank_key(score(a, o, RULES)), -i)


@settings(max_examples=100, deadline=None)
@given(worlds(), st.randoms(use_true_random=False))
def test_a_round_is_deterministic_whatever_the_input_order(world, rnd):
    apps, opps = world
    first = run_round(apps, opps, RULES, k=4)
    shuffled_a, shuffled_o = apps[:], opps[:]
    rnd.shuffle(shuffled_a)
    rnd.shuffle(shuffled_o)
    second = run_round(shuffled_a, shuffled_o, RULES, k=4)
    assert [(a.id, o.id) for a, o in first.pairs()] == [(a.id, o.id) for a, o in second.pairs()]
    assert report(first, [o.places for o in first.opportunities]) == \
        report(second, [o.places for o in second.opportunities])


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_vectorised_scores_equal_the_pure_rules_bit_for_bit(world):
    apps, opps = world
    prefs, keys = preference_lists(apps, opps, RULES, BIG_K)
    for i, a in enumerate(apps):
        expected = sorted(((-rank_key(score(a, o, RULES)), j) for j, o in enumerate(opps)
                           if feasible(a, o, RULES)))
        assert [(-k, j) for j, k in zip(prefs[i], keys[i], strict=True)] == expected


@settings(max_examples=100, deadline=None)
@given(worlds(max_applicants=30), st.sampled_from(["London", "Scotland", "FR"]),
       st.floats(0.0, 0.8))
def test_minimum_shares_keep_capacity_and_filters_and_are_met_or_reported(world, place, share):
    apps, opps = world
    minimum = Minimum("region", place, share)
    result = run_round(apps, opps, RULES, k=5, minimums=(minimum,))
    taken = Counter(j for j in result.match if j >= 0)
    assert all(taken[j] <= o.places for j, o in enumerate(result.opportunities))
    assert all(feasible(a, o, RULES) for a, o in result.pairs())
    total = sum(taken.values())
    have = sum(n for j, n in taken.items()
               if group_of(result.opportunities[j], "region") == place)
    assert have >= share * total - 1e-9 or result.shortfalls


def test_a_short_region_pulls_an_unmatched_applicant_into_it():
    from matching.domain import Applicant, Opportunity
    a = [Applicant(id=f"a{i}", scheme="industry", kind="civil_servant", regions=frozenset(
        {"London"}), earliest_start=TODAY, desired_months=6) for i in range(4)]
    london = Opportunity(id="o1", host_org_id="h", host_name="H", scheme="industry",
                         sector="defence", country="GB", region="London", window_from=TODAY,
                         places=2)
    north = replace(london, id="o2", region="North West", places=2)
    plain = run_round(a, [london, north], RULES)
    assert Counter(o.region for _, o in plain.pairs()) == {"London": 2, "North West": 2}
    tight = run_round(a, [london, north], RULES, minimums=(Minimum("region", "Scotland", 0.5),))
    assert tight.shortfalls and "Scotland" in tight.shortfalls[0]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_round_never_proposes_a_pair_that_failed_before(data):
    apps, opps = data.draw(worlds())
    excluded = data.draw(exclusions((apps, opps)))
    result = run_round(apps, opps, RULES, k=5, excluded=excluded)
    assert not {(a.id, o.id) for a, o in result.pairs()} & excluded
    assert blocking_pairs(result, [o.places for o in result.opportunities]) == []
    for a, o in result.pairs():
        assert a.only_opportunity in (None, o.id)
