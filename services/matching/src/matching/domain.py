"""Pure matching rules: hard filters, the weighted score and its explanation. No I/O.

Applicants and opportunities are plain frozen dataclasses with enums reduced to ranks, so the
same rules can be evaluated one pair at a time here and vectorised in `rounds.py`. Both must
compute scores with the same operations in the same order: the round's preference lists and
the explanation a person reads are then the same number.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import date

from contracts import Clearance, Grade

SCHEME_KIND = {"industry": "civil_servant", "government": "industry_professional",
               "diplomatic": "diplomat"}
SME_STAFF_LIMIT = 250
GRADE_RANK = {g.value: i for i, g in enumerate(Grade)}
CLEARANCE_RANK = {c.value: i for i, c in enumerate(Clearance)}
# Security vetting (a stage of the government chain) can raise an inward secondee up to SC;
# DV takes too long to obtain inside a placement window, so it must already be held.
VETTABLE_UP_TO = {"government": CLEARANCE_RANK["SC"]}
START_FIT_DAYS = 180.0
FACTORS = ("skills", "sector", "location", "grade", "start")


@dataclass(frozen=True)
class Weights:
    skills: float = 0.40
    sector: float = 0.20
    location: float = 0.15
    grade: float = 0.15
    start: float = 0.10

    def of(self, name: str) -> float:
        return getattr(self, name)


@dataclass(frozen=True)
class Applicant:
    id: str  # application id
    scheme: str
    kind: str
    clearance: int = 0
    grade: int | None = None
    skills: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    earliest_start: date = date(2030, 1, 1)
    desired_months: int = 6
    interest_orgs: frozenset[str] = frozenset()
    interest_names: frozenset[str] = frozenset()  # casefolded
    only_opportunity: str | None = None  # applied to one opportunity


@dataclass(frozen=True)
class Opportunity:
    id: str
    host_org_id: str
    host_name: str
    scheme: str
    sector: str
    country: str
    region: str | None = None
    required_skills: frozenset[str] = frozenset()
    desired_skills: frozenset[str] = frozenset()
    window_from: date = date(2030, 1, 1)
    window_to: date = date(2030, 12, 31)
    months: int = 6
    grade_min: int | None = None
    grade_max: int | None = None
    clearance: int = 0
    places: int = 1  # places still free for this computation

    @property
    def host_key(self) -> str:
        return self.host_name.casefold()


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    raw: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    score: float
    factors: tuple[Factor, ...] = ()
    checks: tuple[Check, ...] = ()
    start_date: date | None = None


@dataclass(frozen=True)
class Rules:
    today: date
    max_length_gap: int = 3  # months between desired and offered length
    weights: Weights = field(default_factory=Weights)


def start_date(a: Applicant, o: Opportunity, today: date) -> date:
    return max(a.earliest_start, o.window_from, today)


def clearance_ok(held: int, needed: int, scheme: str) -> bool:
    return needed <= max(held, VETTABLE_UP_TO.get(scheme, 0))


def checks(a: Applicant, o: Opportunity, rules: Rules) -> tuple[Check, ...]:
    start = start_date(a, o, rules.today)
    conflict = o.host_org_id in a.interest_orgs or o.host_key in a.interest_names
    applied_to = () if a.only_opportunity is None else (
        _applied_to_check(a.only_opportunity == o.id),)
    return applied_to + (
        _scheme_check(a.scheme, o.scheme),
        _kind_check(a.scheme, a.kind),
        _conflict_check(conflict),
        _clearance_check(a.clearance, o.clearance, o.scheme),
        _availability_check(start, o.window_to),
        _length_check(o.months, a.desired_months, rules.max_length_gap),
        _capacity_check(o.places),
    )


# Each check depends on a few small values that repeat across pairs: a round explains tens of
# thousands of pairs with a few thousand distinct checks, so each is built once (Check and
# Factor are immutable, so sharing them is safe; the caches are bounded).
_memo = functools.lru_cache(maxsize=4096, typed=True)


@_memo
def _applied_to_check(passed: bool) -> Check:
    return Check("applied_to", passed, "the opportunity applied to")


@_memo
def _scheme_check(applicant: str, opportunity: str) -> Check:
    return Check("scheme", applicant == opportunity,
                 f"applicant {applicant}, opportunity {opportunity}")


@_memo
def _kind_check(scheme: str, kind: str) -> Check:
    return Check("applicant_kind", SCHEME_KIND.get(scheme) == kind,
                 f"{kind} in the {scheme} scheme")


@_memo
def _conflict_check(conflict: bool) -> Check:
    return Check("conflict_of_interest", not conflict,
                 "declared interest in the host" if conflict else "no declared interest in host")


@_memo
def _clearance_check(held: int, needed: int, scheme: str) -> Check:
    return Check("clearance", clearance_ok(held, needed, scheme),
                 f"held {_name(CLEARANCE_RANK, held)}, needed {_name(CLEARANCE_RANK, needed)}")


@_memo
def _availability_check(start: date, window_to: date) -> Check:
    return Check("availability", start <= window_to,
                 f"earliest start {start.isoformat()}, window ends {window_to.isoformat()}")


@_memo
def _length_check(offered: int, wanted: int, max_gap: int) -> Check:
    return Check("length", abs(offered - wanted) <= max_gap,
                 f"offered {offered} months, wanted {wanted} (at most {max_gap} apart)")


@_memo
def _capacity_check(places: int) -> Check:
    return Check("capacity", places > 0, f"{places} place(s) left")


@_memo
def _factor(name: str, weight: float, raw: float) -> Factor:
    return Factor(name, weight, raw, weight * raw)


def feasible(a: Applicant, o: Opportunity, rules: Rules) -> bool:
    return all(c.passed for c in checks(a, o, rules))


def raw_scores(a: Applicant, o: Opportunity, today: date) -> tuple[float, ...]:
    """Each factor in [0, 1], in FACTORS order (rounds.py vectorises exactly this)."""
    denom = 2 * len(o.required_skills) + len(o.desired_skills)
    hits = 2 * len(o.required_skills & a.skills) + len(o.desired_skills & a.skills)
    skills = hits / denom if denom else 1.0
    sector = (1.0 if o.sector in a.sectors else 0.0) if a.sectors else 0.5
    wanted = (o.region is not None and o.region in a.regions) or o.country in a.countries
    location = (1.0 if wanted else 0.0) if (a.regions or a.countries) else 0.5
    grade = 1.0
    if a.grade is not None:
        lo = o.grade_min if o.grade_min is not None else a.grade
        hi = o.grade_max if o.grade_max is not None else a.grade
        distance = max(lo - a.grade, 0, a.grade - hi)
        grade = max(0.0, 1.0 - 0.5 * distance)
    delay = (start_date(a, o, today) - max(a.earliest_start, today)).days
    start = 1.0 - min(1.0, delay / START_FIT_DAYS)
    return skills, sector, location, grade, start


def score(a: Applicant, o: Opportunity, rules: Rules) -> float:
    return _total(rules.weights, raw_scores(a, o, rules.today))


def _total(w: Weights, r: tuple[float, ...]) -> float:
    # This order of additions is the one preferences.py reproduces with arrays.
    return (w.skills * r[0] + w.sector * r[1] + w.location * r[2] + w.grade * r[3]
            + w.start * r[4])


def explain(a: Applicant, o: Opportunity, rules: Rules) -> Explanation:
    raws = raw_scores(a, o, rules.today)
    factors = tuple(_factor(n, rules.weights.of(n), r) for n, r in zip(FACTORS, raws, strict=True))
    return Explanation(_total(rules.weights, raws), factors, checks(a, o, rules),
                       start_date(a, o, rules.today))


def rank_key(value: float) -> int:
    """Scores compared at 1e-9, so float noise never decides; exact ties go to the lower id."""
    return int(math.floor(value * 1e9 + 0.5))


def best_opportunity(a: Applicant, opportunities: list[Opportunity], rules: Rules,
                     excluded: frozenset[str] = frozenset()
                     ) -> tuple[Opportunity | None, list[str]]:
    """Continuous mode: the highest-scoring feasible opportunity, or the reasons there is none."""
    best: tuple[int, str, Opportunity] | None = None
    failed: dict[str, int] = {}
    for o in opportunities:
        if o.id in excluded:
            failed["previously failed pair"] = failed.get("previously failed pair", 0) + 1
            continue
        bad = [c.name for c in checks(a, o, rules) if not c.passed]
        if bad:
            for name in bad:
                failed[name] = failed.get(name, 0) + 1
            continue
        key = (-rank_key(score(a, o, rules)), o.id, o)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is not None:
        return best[2], []
    return None, no_match_reasons(len(opportunities), failed)


def no_match_reasons(considered: int, failed: dict[str, int]) -> list[str]:
    if considered == 0:
        return ["no open opportunity with a place left in this scheme"]
    return [f"{name}: ruled out {count} of {considered} open opportunities"
            for name, count in sorted(failed.items(), key=lambda kv: (-kv[1], kv[0]))]


def ranked_applicants(o: Opportunity, applicants: list[Applicant], rules: Rules,
                      excluded: frozenset[tuple[str, str]] = frozenset()) -> list[Applicant]:
    """A new or freed place: waiting applicants it may go to, best first."""
    ok = [a for a in applicants if (a.id, o.id) not in excluded and feasible(a, o, rules)]
    return sorted(ok, key=lambda a: (-rank_key(score(a, o, rules)), a.id))


def sme_violation(scheme: str, host_staff_count: int) -> str | None:
    if scheme == "diplomatic" and host_staff_count >= SME_STAFF_LIMIT:
        return (f"host_staff_count: a diplomatic-scheme host must be an SME with fewer than "
                f"{SME_STAFF_LIMIT} staff (got {host_staff_count})")
    return None


def _name(ranks: dict[str, int], rank: int) -> str:
    return next(k for k, v in ranks.items() if v == rank)
