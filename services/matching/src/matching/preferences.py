"""Applicants' preference lists for a round, vectorised with numpy. Pure, no I/O.

The applicant side of deferred acceptance needs, for each applicant, its best K feasible
opportunities. Scoring every pair one by one is 250 million Python calls at 50k x 5k, so pairs
are scored in blocks of (applicants x opportunities) arrays, one scheme at a time (the scheme is
a hard filter, so it partitions the problem). Set-overlap factors (skills, sector, location,
conflict of interest) are counted sparsely: for each token an applicant has, the opportunities
carrying it, tallied with one bincount per block. The arithmetic mirrors domain.raw_scores and
domain.score operation for operation, so scores are bit-identical to the pure rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from matching.domain import (
    SCHEME_KIND,
    START_FIT_DAYS,
    VETTABLE_UP_TO,
    Applicant,
    Opportunity,
    Rules,
)

BLOCK_CELLS = 2_000_000  # pairs scored per block; bounds memory to tens of MB
NO_GRADE = -1

Prefs = tuple[list[list[int]], list[list[int]]]  # per applicant: opportunity indexes, rank keys


def preference_lists(applicants: list[Applicant], opportunities: list[Opportunity],
                     rules: Rules, k: int,
                     excluded: frozenset[tuple[str, str]] = frozenset()) -> Prefs:
    """For each applicant (by index): its feasible opportunities best first, at most k, and
    each pair's rank key (domain.rank_key of the score). Ties go to the lower index.
    `excluded` holds (applicant id, opportunity id) pairs never to propose again."""
    banned: dict[str, set[str]] = defaultdict(set)
    for a_id, o_id in excluded:
        banned[a_id].add(o_id)
    opps: list[list[int]] = [[] for _ in applicants]
    keys: list[list[int]] = [[] for _ in applicants]
    for scheme, kind in SCHEME_KIND.items():
        a_idx = [i for i, a in enumerate(applicants) if a.scheme == scheme and a.kind == kind]
        o_idx = [j for j, o in enumerate(opportunities) if o.scheme == scheme and o.places > 0]
        if a_idx and o_idx:
            _scheme_block(applicants, opportunities, a_idx, o_idx, rules, k, banned, opps,
                          keys)
    return opps, keys


def _scheme_block(applicants: list[Applicant], opportunities: list[Opportunity],
                  a_idx: list[int], o_idx: list[int], rules: Rules, k: int,
                  banned: dict[str, set[str]], out_opps: list[list[int]],
                  out_keys: list[list[int]]) -> None:
    bucket = [opportunities[j] for j in o_idx]
    o = _OpportunityArrays(bucket, vettable=VETTABLE_UP_TO.get(bucket[0].scheme, 0))
    o_global = np.asarray(o_idx, dtype=np.int64)
    m = len(bucket)
    rows = max(1, BLOCK_CELLS // m)
    for start in range(0, len(a_idx), rows):
        chunk = [applicants[i] for i in a_idx[start:start + rows]]
        total, ok = _score_block(chunk, o, rules)
        _forbid(chunk, o.column, banned, ok)
        keys = np.floor(total * 1e9 + 0.5).astype(np.int64)
        # Unique composite per row: higher score first, then the lower opportunity index.
        composite = np.where(ok, keys * m + (m - 1 - np.arange(m)), -1)
        top = _top_k(composite, k)
        for r, i in enumerate(a_idx[start:start + rows]):
            cols = top[r][composite[r, top[r]] >= 0]
            out_opps[i] = o_global[cols].tolist()
            out_keys[i] = keys[r, cols].tolist()


def _top_k(composite: np.ndarray, k: int) -> np.ndarray:
    m = composite.shape[1]
    if m > k:
        part = np.argpartition(-composite, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(m), (composite.shape[0], 1))
    order = np.argsort(-np.take_along_axis(composite, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


class _OpportunityArrays:
    """Column arrays for one scheme's opportunities, plus token -> opportunity indexes."""

    def __init__(self, bucket: list[Opportunity], vettable: int) -> None:
        self.m = len(bucket)
        self.column = {opp.id: j for j, opp in enumerate(bucket)}
        self.vettable = vettable
        self.required = _index((j, s) for j, o in enumerate(bucket) for s in o.required_skills)
        self.desired = _index((j, s) for j, o in enumerate(bucket) for s in o.desired_skills)
        self.sector = _index((j, o.sector) for j, o in enumerate(bucket))
        self.place = _index(p for j, o in enumerate(bucket)
                            for p in ((j, "c:" + o.country),
                                      *(((j, "r:" + o.region),) if o.region else ())))
        self.host = _index(p for j, o in enumerate(bucket)
                           for p in ((j, "o:" + o.host_org_id), (j, "n:" + o.host_key)))
        self.denom = np.array([2 * len(o.required_skills) + len(o.desired_skills)
                               for o in bucket], dtype=np.float64)
        self.gmin = np.array([o.grade_min if o.grade_min is not None else NO_GRADE
                              for o in bucket], dtype=np.float64)
        self.gmax = np.array([o.grade_max if o.grade_max is not None else NO_GRADE
                              for o in bucket], dtype=np.float64)
        self.wfrom = np.array([o.window_from.toordinal() for o in bucket], dtype=np.int64)
        self.wto = np.array([o.window_to.toordinal() for o in bucket], dtype=np.int64)
        self.months = np.array([o.months for o in bucket], dtype=np.int64)
        self.clearance = np.array([o.clearance for o in bucket], dtype=np.int64)


def _score_block(chunk: list[Applicant], o: _OpportunityArrays,
                 rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    c, m, w = len(chunk), o.m, rules.weights
    req = _hits(chunk, lambda a: a.skills, o.required, m)
    des = _hits(chunk, lambda a: a.skills, o.desired, m)
    hits = 2.0 * req + des
    skills = np.where(o.denom > 0, hits / np.where(o.denom > 0, o.denom, 1.0), 1.0)
    sector_hit = _hits(chunk, lambda a: a.sectors, o.sector, m) > 0
    has_sectors = np.array([bool(a.sectors) for a in chunk])[:, None]
    sector = np.where(has_sectors, np.where(sector_hit, 1.0, 0.0), 0.5)
    place_hit = _hits(chunk, _place_tokens, o.place, m) > 0
    has_places = np.array([bool(a.regions or a.countries) for a in chunk])[:, None]
    location = np.where(has_places, np.where(place_hit, 1.0, 0.0), 0.5)
    grade = _grade(chunk, o)
    today = rules.today.toordinal()
    earliest = np.array([max(a.earliest_start.toordinal(), today) for a in chunk])[:, None]
    start = np.maximum(earliest, o.wfrom[None, :])
    start_fit = 1.0 - np.minimum(1.0, (start - earliest) / START_FIT_DAYS)
    total = (w.skills * skills + w.sector * sector + w.location * location + w.grade * grade
             + w.start * start_fit)
    desired = np.array([a.desired_months for a in chunk])[:, None]
    held = np.array([max(a.clearance, o.vettable) for a in chunk])[:, None]
    conflict = _hits(chunk, _host_tokens, o.host, m) > 0
    ok = ((start <= o.wto[None, :]) & (np.abs(o.months[None, :] - desired) <= rules.max_length_gap)
          & (o.clearance[None, :] <= held) & ~conflict)
    assert total.shape == (c, m)
    return total, ok


def _forbid(chunk: list[Applicant], column: dict[str, int], banned: dict[str, set[str]],
            ok: np.ndarray) -> None:
    """Pairs tried before, and everything but the one opportunity an applicant applied to."""
    for r, a in enumerate(chunk):
        if a.only_opportunity is not None:
            keep = column.get(a.only_opportunity)
            allowed = ok[r, keep] if keep is not None else False
            ok[r, :] = False
            if keep is not None:
                ok[r, keep] = allowed
        for o_id in banned.get(a.id, ()):
            if o_id in column:
                ok[r, column[o_id]] = False


def _grade(chunk: list[Applicant], o: _OpportunityArrays) -> np.ndarray:
    g = np.array([a.grade if a.grade is not None else NO_GRADE for a in chunk],
                 dtype=np.float64)[:, None]
    lo = np.where(o.gmin[None, :] == NO_GRADE, g, o.gmin[None, :])
    hi = np.where(o.gmax[None, :] == NO_GRADE, g, o.gmax[None, :])
    distance = np.maximum(np.maximum(lo - g, 0.0), g - hi)
    fit = np.maximum(0.0, 1.0 - 0.5 * distance)
    return np.where(g == NO_GRADE, 1.0, fit)


def _place_tokens(a: Applicant) -> Iterable[str]:
    return [*("r:" + r for r in a.regions), *("c:" + c for c in a.countries)]


def _host_tokens(a: Applicant) -> Iterable[str]:
    return [*("o:" + h for h in a.interest_orgs), *("n:" + n for n in a.interest_names)]


def _index(pairs: Iterable[tuple[int, str]]) -> dict[str, np.ndarray]:
    found: dict[str, list[int]] = defaultdict(list)
    for j, token in pairs:
        found[token].append(j)
    return {t: np.array(sorted(set(js)), dtype=np.int64) for t, js in found.items()}


def _hits(chunk: list[Applicant], tokens: Callable[[Applicant], Iterable[str]],
          index: dict[str, np.ndarray], m: int) -> np.ndarray:
    """(applicants x opportunities) count of tokens the two share."""
    parts = [index[t] + r * m for r, a in enumerate(chunk) for t in tokens(a) if t in index]
    if not parts:
        return np.zeros((len(chunk), m))
    flat = np.bincount(np.concatenate(parts), minlength=len(chunk) * m)
    return flat.reshape(len(chunk), m).astype(np.float64)
