"""A cohort round: applicant-proposing deferred acceptance with capacities. Pure, no I/O.

Applicants propose down their own rank order lists (cut to the pairs that pass every hard
filter: a rank never overrides a conflict of interest or a scheme rule); an applicant who
submitted none proposes down its top-K feasible opportunities by explained score. Each
opportunity keeps its best `places` proposers in a min-heap and evicts the worst when a better
one arrives. An opportunity ranks candidates by its host's order first, then by the explained
score; host-excluded pairs are never considered. Ties (equal scores) are broken by a lottery
drawn from the round's seed, so a published seed re-runs the round exactly.

The result is stable with respect to those lists (no applicant and opportunity both prefer
each other to what they got), applicant-optimal, and strategy-proof for applicants. Minimum
shares per region or sector (targets.py) may hold some pairs apart to move applicants into a
short group; the report lists them, and only they can be blocking pairs.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from matching.domain import FACTORS, SCHEME_KIND, Applicant, Opportunity, Rules, rank_key
from matching.preferences import preference_lists

if TYPE_CHECKING:
    from matching import targets

# Host-ranked candidates sit above every score (which is at most the sum of the weights);
# position p becomes HOST_RANKS - p above that floor, so rank 1 is best.
HOST_RANKS = 1_000_000


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
    seed: int = 0
    listed: frozenset[int] = frozenset()  # applicants who submitted their own list
    targets: list[dict] = field(default_factory=list)  # targets.honour's outcome per target
    held_apart: list[tuple[int, int]] = field(default_factory=list)  # (applicant, opp)

    def pairs(self) -> list[tuple[Applicant, Opportunity]]:
        return [(a, self.opportunities[j]) for a, j in zip(self.applicants, self.match,
                                                             strict=True) if j >= 0]


def run_round(applicants: list[Applicant], opportunities: list[Opportunity], rules: Rules,
              k: int = 20, minimums: tuple[Minimum, ...] = (),
              excluded: frozenset[tuple[str, str]] = frozenset(),
              choices: dict[str, list[str]] | None = None,
              host_order: dict[str, dict[str, int]] | None = None,
              seed: int = 0, base: targets.Baseline | None = None) -> RoundResult:
    """`choices`: application id -> its rank list (opportunity ids, most wanted first);
    `host_order`: opportunity id -> {application id: host position, 1 = best}; `base`: the
    matches made before (clearing), counted towards the targets."""
    apps = sorted(applicants, key=lambda a: lottery(seed, a.id))
    opps = sorted(opportunities, key=lambda o: lottery(seed, o.id))
    wanted = _wanted(apps, opps, choices or {})
    prefs, keys = preference_lists(apps, opps, rules, k, excluded, wanted)
    if host_order:
        _host_keys(apps, opps, prefs, keys, host_order, rules)
    capacity = [o.places for o in opps]
    match = deferred_acceptance(prefs, keys, capacity)
    result = RoundResult(apps, opps, match, [], prefs, keys, seed=seed,
                         listed=frozenset(wanted))
    if minimums:
        from matching import targets as honouring  # it builds on deferred_acceptance here

        honouring.honour(result, capacity, minimums, base)
    result.keys = _match_keys(result.match, prefs, keys)
    result.unmatched_reasons = {i: _unmatched_reason(result, i, k)
                                for i, j in enumerate(result.match) if j < 0}
    return result


def lottery(seed: int, id_: str) -> bytes:
    """A draw per id from the seed: the round's order of applicants and opportunities, which
    breaks exact ties (anyone holding the seed and the lists can re-run the round)."""
    return hashlib.blake2b(f"{seed}:{id_}".encode(), digest_size=8).digest()


def _wanted(apps: list[Applicant], opps: list[Opportunity],
            choices: dict[str, list[str]]) -> dict[int, list[int]]:
    """Rank lists by index; opportunities not in the round (closed, full) drop out."""
    at = {o.id: j for j, o in enumerate(opps)}
    out = {}
    for i, a in enumerate(apps):
        chosen = choices.get(a.id)
        if chosen is not None:
            out[i] = [at[o] for o in chosen if o in at]
    return out


def _host_keys(apps: list[Applicant], opps: list[Opportunity], prefs: list[list[int]],
               keys: list[list[int]], host_order: dict[str, dict[str, int]],
               rules: Rules) -> None:
    """An opportunity's view of a candidate its host ranked: above any score, in the host's
    order. Unranked candidates keep their score key (the default order)."""
    floor = rank_key(sum(rules.weights.of(f) for f in FACTORS)) + 1 + HOST_RANKS
    by_index = {j: host_order[o.id] for j, o in enumerate(opps) if o.id in host_order}
    if not by_index:
        return
    for a, (ps, ks) in enumerate(zip(prefs, keys, strict=True)):
        app_id = apps[a].id
        for t, o in enumerate(ps):
            order = by_index.get(o)
            if order is not None and app_id in order:
                ks[t] = floor - min(order[app_id], HOST_RANKS)


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
    """Each applicant's key at its match: how its opportunity ranks it (0 when unmatched)."""
    out = []
    for a, j in enumerate(match):
        out.append(keys[a][prefs[a].index(j)] if j >= 0 else 0)
    return out


def _unmatched_reason(result: RoundResult, a: int, k: int) -> str:
    applicant = result.applicants[a]
    if SCHEME_KIND.get(applicant.scheme) != applicant.kind:
        return f"applicant kind {applicant.kind} does not belong to the {applicant.scheme} scheme"
    if not any(o.scheme == applicant.scheme and o.places > 0 for o in result.opportunities):
        return f"no open opportunity with a place left in the {applicant.scheme} scheme"
    listed = a in result.listed
    if not result.prefs[a]:
        if listed:
            return ("none of its ranked opportunities is open with a place and passes the hard "
                    "filters (conflict of interest, clearance, availability, length)")
        return ("no opportunity passes the hard filters (conflict of interest, clearance, "
                "availability, length)")
    if listed:
        return "its ranked opportunities were filled by candidates their hosts ranked higher"
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
            "minimum_share_shortfalls": result.shortfalls, "minimum_share_moves": result.moves,
            "seed": result.seed, "ranked_lists": len(result.listed), "targets": result.targets}
