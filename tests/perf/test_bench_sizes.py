"""The matching bench's inputs are the sizes it claims: NRMP scale means 41,500 places."""

from tests.perf import matching_round


def _bench_round():
    return matching_round


def test_the_nrmp_size_has_45000_applicants_6400_opportunities_and_41500_places_in_total():
    module = _bench_round()
    n, m, places = module.SIZES["nrmp"]
    apps, opps = module.synthetic(n, m, places=places)
    assert (len(apps), len(opps), sum(o["capacity"] for o in opps)) == (45_000, 6_400, 41_500)
    assert min(o["capacity"] for o in opps) >= 1


def test_rescaled_capacities_keep_their_skew_and_hit_a_small_total_exactly():
    _, opps = _bench_round().synthetic(300, 40, places=100)
    capacities = [o["capacity"] for o in opps]
    assert sum(capacities) == 100 and min(capacities) >= 1 and max(capacities) > 2
