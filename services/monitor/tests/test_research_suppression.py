"""The small-cell rule on generated populations (pure, no broker): whatever the population,
every quasi-identifier combination left is shared by at least k applicants, and people alike
enough are kept whole."""

from __future__ import annotations

import random

import pytest
from monitor.research.build import Person
from monitor.research.columns import SUPPRESSED
from monitor.research.suppress import signature, suppress


def population(seed: int, size: int) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for n in range(size):
        person = Person(f"p{n}")
        person.rows["applications.csv"].append({
            "application": f"a{n}", "applicant": f"p{n}",
            "scheme": rng.choice(["industry", "government", "diplomatic"]),
            "applicant_kind": rng.choice(["civil_servant", "diplomat"]),
            "grade": rng.choice(["G7", "G7", "G7", "SEO", "SCS1"]),
            "clearance_held": "SC", "desired_length_months": rng.choice([6, 6, 12]),
            "submitted_month": rng.choice(["2026-01", "2026-02"]),
            "earliest_start_month": "2026-06",
            "result": rng.choice(["placed", "unmatched", "withdrawn"])})
        people.append(person)
    return people


@pytest.mark.parametrize("seed", range(20))
def test_every_combination_left_is_shared_by_at_least_five(seed):
    people = population(seed, random.Random(seed).randint(3, 120))
    done = suppress(people, 5)
    counts: dict = {}
    for p in done.kept:
        counts[signature(p)] = counts.get(signature(p), 0) + 1
    assert not done.kept or min(counts.values()) >= 5
    assert len(done.kept) + done.withheld == len(people)


def test_five_people_alike_keep_every_value_and_a_sixth_unlike_them_is_withheld():
    template = population(1, 1)[0].rows["applications.csv"][0]
    people = []
    for n in range(5):
        p = Person(f"p{n}")
        p.rows["applications.csv"].append({**template, "applicant": f"p{n}"})
        people.append(p)
    odd = Person("odd")
    odd.rows["applications.csv"].append({**template, "applicant": "odd", "scheme": "other"})
    done = suppress([*people, odd], 5)
    assert done.withheld == 1 and [p.applicant_id for p in done.kept] == [
        f"p{n}" for n in range(5)]
    assert SUPPRESSED not in done.kept[0].rows["applications.csv"][0].values()
    assert not done.hidden
