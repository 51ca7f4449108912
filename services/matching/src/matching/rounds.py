"""A cohort round: applicant-proposing deferred acceptance with capacities. Pure, no I/O.

Both sides rank by the pair's score (ties to the lower id): applicants propose down their top-K
feasible list; each opportunity keeps its best `places` proposers in a min-heap and evicts the
worst when a better one arrives. The result is stable with respect to those lists: no applicant
and opportunity both prefer each other to what they got. Optional minimum shares per region or
sector are honoured afterwards by the cheapest moves into the short group where feasible (an
explicit policy override, so stability is only claimed for rounds without minimums), and
reported when they cannot be met.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field

from matching.domain import SCHEME_KIND, Applicant, Opportunity, Rules
from matching.preferences import preference_lists


@dataclass(frozen=True)
class Minimum:
    dimension: str  # "region" (ITL1 region, or country outside the UK) | "sector"
    value: str
    share: float  # of all matches in the round, 0..1


@dataclass
class RoundResult:
    applicants: list[Applicant]  # sorted by id; indexes below refer to these lists
    opportunities: list[Opportunity]
    match: list[int]  # opportunity index per applicant, -1 when unmatched
    keys: list[int]  # rank key of each applicant's match (0 when unmatched)
    prefs: list[list[int]]
    pref_keys: list[list[int]]
    unmatched_reasons: dict[int, str] = field(default_factory=dict)
    shortfalls: list[str] = field(default_factory=list)
    moves: int = 0

    def pairs(self) -> list[tuple[Applicant, Opportunity]]:
        return [(a, self.opportunities[j]) for a, j in zip(self.applicants, self.match,
                                                             strict=True) if j >= 0]


def run_round(applicants: list[Applicant], opportunities: list[Opportunity], rules: Rules,
              k: int = 20, minimums: tuple[Minimum, ...] = (),
              excluded: frozenset[tuple[str, str]] = frozenset()) -> RoundResult:
    apps = sorted(applicants, key=lambda a: a.id)
    opps = sorted(opportunities, key=lambda o: o.id)
    prefs, keys = preference_lists(apps, opps, rules, k, excluded)
    capacity = [o.places for o in opps]
    match = deferred_acceptance(prefs, keys, capacity)
    result = RoundResult(apps, opps, match, _match_keys(match, prefs, keys), prefs, keys)
    for minimum in minimums:
        _honour_minimum(result, capacity, minimum, minimums)
    result.unmatched_reasons = {i: _unmatched_reason(result, i, k)
                                for i, j in enumerate(result.match) if j < 0}
    return result


def deferred_acceptance(prefs: list[list[int]], keys: list[list[int]],
                        capacity: list[int]) -> list[int]:
    n = len(prefs)
    match = [-1] * n
    # Min-heaps of key * n + (n - 1 - applicant): one int orders as (key, lower id first)
    # did as a tuple, and int comparisons are several times cheaper than tuple ones.
    held: list[list[int]] = [[] for _ in capacity]
    cursor = [0] * n
    free = list(range(n - 1, -1, -1))
    push, replace = heapq.heappush, heapq.heapreplace
    while free:
        a = free.pop()
        ps, ks, i, low = prefs[a], keys[a], cursor[a], n - 1 - a
        while i < len(ps):
            o, entry = ps[i], ks[i] * n + low
            i += 1
            heap = held[o]
            if len(heap) < capacity[o]:
                push(heap, entry)
                match[a] = o
                break
            if heap and entry > heap[0]:
                loser = n - 1 - replace(heap, entry) % n
                match[a], match[loser] = o, -1
                free.append(loser)
                break
        cursor[a] = i
    return match


def group_of(o: Opportunity, dimension: str) -> str:
    if dimension == "sector":
        return o.sector
    return o.region if o.region is not None else o.country


def blocking_pairs(result: RoundResult, capacity: list[int]) -> list[tuple[int, int]]:
    """Pairs on the preference lists that would both rather have each other (for tests)."""
    worst: dict[int, tuple[int, int]] = {}
    filled = Counter(j for j in result.match if j >= 0)
    for a, j in enumerate(result.match):
        if j >= 0:
            entry = (result.keys[a], -a)
            worst[j] = min(worst.get(j, entry), entry)
    found = []
    for a, (ps, ks) in enumerate(zip(result.prefs, result.pref_keys, strict=True)):
        for o, key in zip(ps, ks, strict=True):
            if o == result.match[a]:
                break  # everything further down the list is worse for the applicant
            if filled[o] < capacity[o] or (key, -a) > worst[o]:
                found.append((a, o))
    return found


def _match_keys(match: list[int], prefs: list[list[int]], keys: list[list[int]]) -> list[int]:
    out = []
    for a, j in enumerate(match):
        out.append(keys[a][prefs[a].index(j)] if j >= 0 else 0)
    return out


def _honour_minimum(result: RoundResult, capacity: list[int], minimum: Minimum,
                    all_minimums: tuple[Minimum, ...]) -> None:
    opps, dim = result.opportunities, minimum.dimension
    member = {m: [group_of(o, m.dimension) == m.value for o in opps] for m in all_minimums}
    in_group = member[minimum]
    counts = {m: sum(1 for j in result.match if j >= 0 and member[m][j]) for m in all_minimums}
    total = sum(1 for j in result.match if j >= 0)
    used = Counter(j for j in result.match if j >= 0)

    def needed(m: Minimum) -> int:
        return math.ceil(m.share * total - 1e-9)

    # Candidates: unmatched applicants first (best pair first), then the cheapest moves.
    candidates = []
    for a, (ps, ks) in enumerate(zip(result.prefs, result.pref_keys, strict=True)):
        current = result.match[a]
        if current >= 0 and in_group[current]:
            continue
        options = [(key, o) for o, key in zip(ps, ks, strict=True) if in_group[o]]
        if options:
            cost = (0, -options[0][0]) if current < 0 else (1, result.keys[a] - options[0][0])
            candidates.append((cost, a, options))
    candidates.sort(key=lambda c: (c[0], c[1]))
    for _, a, options in candidates:
        if counts[minimum] >= needed(minimum):
            break
        current = result.match[a]
        # Moving someone must not push another minimum's group below its own need.
        if current >= 0 and any(member[m][current] and counts[m] - 1 < needed(m)
                                for m in all_minimums if m != minimum):
            continue
        for key, o in options:
            if used[o] < capacity[o]:
                if current >= 0:
                    used[current] -= 1
                    for m in all_minimums:
                        counts[m] -= member[m][current]
                else:
                    total += 1
                used[o] += 1
                for m in all_minimums:
                    counts[m] += member[m][o]
                result.match[a], result.keys[a] = o, key
                result.moves += 1
                break
    if counts[minimum] < needed(minimum):
        have = counts[minimum]
        result.shortfalls.append(
            f"{dim} {minimum.value}: minimum share {minimum.share:.1%} not feasible; "
            f"achieved {have} of {total} matches ({have / total if total else 0:.1%}); no more "
            f"applicants with a feasible opportunity there")


def _unmatched_reason(result: RoundResult, a: int, k: int) -> str:
    applicant = result.applicants[a]
    if SCHEME_KIND.get(applicant.scheme) != applicant.kind:
        return f"applicant kind {applicant.kind} does not belong to the {applicant.scheme} scheme"
    if not any(o.scheme == applicant.scheme and o.places > 0 for o in result.opportunities):
        return f"no open opportunity with a place left in the {applicant.scheme} scheme"
    if not result.prefs[a]:
        return ("no opportunity passes the hard filters (conflict of interest, clearance, "
                "availability, length)")
    scope = f"its top {k}" if len(result.prefs[a]) >= k else "all its"
    return f"{scope} feasible opportunities were filled by candidates they ranked higher"


def report(result: RoundResult, capacity: list[int]) -> dict:
    matched = [j for j in result.match if j >= 0]
    fill: dict[str, dict[str, dict[str, float]]] = {"sector": {}, "region": {}}
    for dim in fill:
        offered: Counter[str] = Counter()
        filled: Counter[str] = Counter()
        for j, o in enumerate(result.opportunities):
            offered[group_of(o, dim)] += capacity[j]
        for j in matched:
            filled[group_of(result.opportunities[j], dim)] += 1
        fill[dim] = {g: {"places": offered[g], "filled": filled[g],
                         "fill_rate": round(filled[g] / offered[g], 4) if offered[g] else 0.0}
                     for g in sorted(offered)}
    return {"applicants": len(result.applicants), "opportunities": len(result.opportunities),
            "places": sum(capacity), "matched": len(matched),
            "unmatched": len(result.applicants) - len(matched),
            "unmatched_reasons": dict(Counter(result.unmatched_reasons.values()).most_common()),
            "fill_rate_by_sector": fill["sector"], "fill_rate_by_region": fill["region"],
            "minimum_share_shortfalls": result.shortfalls, "minimum_share_moves": result.moves}
