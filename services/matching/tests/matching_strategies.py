"""Hypothesis strategies for the pure core: small worlds where collisions are likely."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import strategies as st
from matching.domain import Applicant, Opportunity, Rules, Weights

TODAY = date(2027, 1, 1)
SKILLS = ["python", "policy", "finance", "design", "law", "data"]
SECTORS = ["clean_energy", "defence", "life_sciences"]
REGIONS = ["London", "North West", "Scotland"]
COUNTRIES = ["GB", "FR", "DE"]
SCHEMES = [("industry", "civil_servant"), ("government", "industry_professional"),
           ("diplomatic", "diplomat")]
HOSTS = ["h1", "h2", "h3", "h4"]


def _subset(rnd, items):
    return frozenset(rnd.sample(items, rnd.randint(0, 3)))


def make_applicant(rnd, i):
    scheme, kind = rnd.choice(SCHEMES)
    if rnd.randint(0, 9) == 0:
        kind = rnd.choice(SCHEMES)[1]  # occasionally the wrong kind for the scheme
    return Applicant(
        id=f"a{i:04d}", scheme=scheme, kind=kind, clearance=rnd.randint(0, 3),
        grade=rnd.choice([None, *range(10)]), skills=_subset(rnd, SKILLS),
        sectors=_subset(rnd, SECTORS), regions=_subset(rnd, REGIONS),
        countries=_subset(rnd, COUNTRIES),
        earliest_start=TODAY + timedelta(days=rnd.randint(-30, 200)),
        desired_months=rnd.randint(1, 12),
        interest_orgs=frozenset(rnd.sample(HOSTS, rnd.randint(0, 1))),
        interest_names=frozenset(rnd.sample(["host h2"], rnd.randint(0, 1))))


def make_opportunity(rnd, j):
    scheme, _ = rnd.choice(SCHEMES)
    host = rnd.choice(HOSTS)
    start = TODAY + timedelta(days=rnd.randint(-10, 200))
    gmin = rnd.choice([None, *range(10)])
    gmax = rnd.choice([None, *range(gmin or 0, 10)])
    country = rnd.choice(COUNTRIES)
    return Opportunity(
        id=f"o{j:04d}", host_org_id=host, host_name=f"Host {host.upper()}", scheme=scheme,
        sector=rnd.choice(SECTORS), country=country,
        region=rnd.choice(REGIONS) if country == "GB" else None,
        required_skills=_subset(rnd, SKILLS), desired_skills=_subset(rnd, SKILLS),
        window_from=start, window_to=start + timedelta(days=rnd.randint(0, 120)),
        months=rnd.randint(1, 12), grade_min=gmin, grade_max=gmax,
        clearance=rnd.randint(0, 3), places=rnd.randint(0, 3))


@st.composite
def worlds(draw, max_applicants=25, max_opportunities=10):
    # Hypothesis picks sizes and the seed; building from the seed keeps generation cheap
    # (a draw per field made each example ~80 ms on this machine).
    n = draw(st.integers(0, max_applicants))
    m = draw(st.integers(0, max_opportunities))
    rnd = draw(st.randoms(use_true_random=False))
    apps = [make_applicant(rnd, i) for i in range(n)]
    if m:  # a few applied to one opportunity (or to one that is gone)
        apps = [replace(a, only_opportunity=f"o{rnd.randint(0, m):04d}")
                if rnd.random() < 0.1 else a for a in apps]
    return apps, [make_opportunity(rnd, j) for j in range(m)]


@st.composite
def exclusions(draw, world):
    """Pairs tried before (a failed proposal) that a round must never propose again."""
    apps, opps = world
    rnd = draw(st.randoms(use_true_random=False))
    return frozenset((a.id, o.id) for a in apps for o in opps if rnd.random() < 0.15)


RULES = Rules(today=TODAY, max_length_gap=3, weights=Weights())
