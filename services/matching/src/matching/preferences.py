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
from collections.abc import Iterable

import numpy as np

from matching.domain import (
    SCHEME_KIND,
    START_FIT_DAYS,
    VETTABLE_UP_TO,
    Applicant,
    Opportunity,
    Rules,
)

BLOCK_CELLS = 1_000_000  # pairs scored per block; bounds memory to tens of MB
NO_GRADE = 10  # row of the grade table for applicants without a grade
START_TABLE = int(START_FIT_DAYS)

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
    out: Prefs = ([[] for _ in applicants], [[] for _ in applicants])
    for scheme, kind in SCHEME_KIND.items():
        a_idx = [i for i, a in enumerate(applicants) if a.scheme == scheme and a.kind == kind]
        # A window that closes before it opens can never be met: drop it up front.
        o_idx = [j for j, o in enumerate(opportunities) if o.scheme == scheme and o.places > 0
                 and o.window_from <= o.window_to]
        if a_idx and o_idx:
            bucket = _Bucket([opportunities[j] for j in o_idx], o_idx, rules)
            by_length: dict[int, list[int]] = defaultdict(list)
            for i in a_idx:
                by_length[applicants[i].desired_months].append(i)
            for months, group in sorted(by_length.items()):
                bucket.score_group([applicants[i] for i in group], group, months, k, banned, out)
    return out


class _Bucket:
    """One scheme's opportunities as columns sorted by length in months, so the applicants
    who want d months only ever look at the contiguous slice of lengths d-gap..d+gap (the
    length filter costs nothing), with per-column arrays and lookup tables of contributions."""

    def __init__(self, bucket: list[Opportunity], global_idx: list[int], rules: Rules) -> None:
        m, w = len(bucket), rules.weights
        order = sorted(range(m), key=lambda p: (bucket[p].months, p))
        cols = [bucket[p] for p in order]
        self.m, self.rules, self.gap = m, rules, rules.max_length_gap
        self.global_idx = np.array([global_idx[p] for p in order], dtype=np.int64)
        self.tie = np.array([m - 1 - p for p in order], dtype=np.int64)  # lower id wins ties
        self.column = {o.id: c for c, o in enumerate(cols)}
        self.months = np.array([o.months for o in cols])
        self.vettable = VETTABLE_UP_TO.get(cols[0].scheme, 0)
        self.skills = _weighted_index([(c, s, 2.0) for c, o in enumerate(cols)
                                       for s in o.required_skills]
                                      + [(c, s, 1.0) for c, o in enumerate(cols)
                                         for s in o.desired_skills])
        self.regions = sorted({o.region for o in cols if o.region})
        self.countries = sorted({o.country for o in cols})
        # column = region index, or len(regions): a "no region" column nobody matches
        self.region = np.array([self.regions.index(o.region) if o.region else len(self.regions)
                                for o in cols], dtype=np.int64)
        self.country = np.array([self.countries.index(o.country) for o in cols], np.int64)
        self._region_pos = {r: i for i, r in enumerate(self.regions)}
        self._country_pos = {c: i for i, c in enumerate(self.countries)}
        self.hosts = _weighted_index([(c, t, 1.0) for c, o in enumerate(cols)
                                      for t in ("o:" + o.host_org_id, "n:" + o.host_key)])
        denom = np.array([2 * len(o.required_skills) + len(o.desired_skills) for o in cols],
                         dtype=np.float64)
        self.no_skills = denom == 0
        self.denom = np.where(self.no_skills, 1.0, denom)
        self.sector_names = sorted({o.sector for o in cols})
        self.sector = np.array([self.sector_names.index(o.sector) for o in cols], np.int64)
        self.wfrom = np.array([o.window_from.toordinal() for o in cols], dtype=np.int64)
        self.wto = np.array([o.window_to.toordinal() for o in cols], dtype=np.int64)
        self.clearance = np.array([o.clearance for o in cols], dtype=np.int64)
        self.grade_table = _grade_table(cols, w.grade)
        # contributions by code: 0 = no preference given, 1 = preference missed, 2 = met
        self.sector_table = np.array([w.sector * 0.5, w.sector * 0.0, w.sector * 1.0])
        self.location_table = np.array([w.location * 0.5, w.location * 0.0, w.location * 1.0])
        self.start_table = np.array([w.start * (1.0 - min(1.0, d / START_FIT_DAYS))
                                     for d in range(START_TABLE + 1)])

    def score_group(self, apps: list[Applicant], idx: list[int], months: int, k: int,
                    banned: dict[str, set[str]], out: Prefs) -> None:
        lo = int(np.searchsorted(self.months, months - self.gap, "left"))
        hi = int(np.searchsorted(self.months, months + self.gap, "right"))
        if hi <= lo:
            return
        rows = max(1, BLOCK_CELLS // (hi - lo))
        for start in range(0, len(apps), rows):
            chunk = apps[start:start + rows]
            keys, ok = self._score(chunk, lo, hi)
            self._forbid(chunk, lo, hi, banned, ok)
            composite = keys * self.m + self.tie[None, lo:hi]
            composite[~ok] = -1
            top = _top_k(composite, k)
            for r, i in enumerate(idx[start:start + rows]):
                cols = top[r][composite[r, top[r]] >= 0]
                out[0][i] = self.global_idx[lo + cols].tolist()
                out[1][i] = keys[r, cols].tolist()

    def _score(self, chunk: list[Applicant], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Rank keys and feasibility; sums in domain.score's order so keys are bit-identical.
        Factors that depend on one applicant attribute are computed once per distinct value
        (a small table) and gathered per row: far fewer passes over the block."""
        w = self.rules.weights
        hits = _count(chunk, lambda a: a.skills, self.skills, lo, hi)
        total = hits / self.denom[None, lo:hi]
        if self.no_skills[lo:hi].any():
            total[:, self.no_skills[lo:hi]] = 1.0
        total *= w.skills
        sectors, inv = _distinct([a.sectors for a in chunk])
        total += self._sector_rows(sectors, lo, hi)[inv]
        places, inv = _distinct([(a.regions, a.countries) for a in chunk])
        total += self._location_rows(places, lo, hi)[inv]
        grades = [a.grade if a.grade is not None else NO_GRADE for a in chunk]
        total += self.grade_table[:, lo:hi][grades]
        today = self.rules.today.toordinal()
        starts, inv = _distinct([max(a.earliest_start.toordinal(), today) for a in chunk])
        earliest = np.array(starts)[:, None]
        delay = np.clip(self.wfrom[None, lo:hi] - earliest, 0, START_TABLE)
        total += self.start_table[delay][inv]
        available = (earliest <= self.wto[None, lo:hi])[inv]
        held, inv = _distinct([max(a.clearance, self.vettable) for a in chunk])
        cleared = (self.clearance[None, lo:hi] <= np.array(held)[:, None])[inv]
        total *= 1e9
        total += 0.5
        np.floor(total, out=total)
        return total.astype(np.int64), available & cleared

    def _location_rows(self, places: list, lo: int, hi: int) -> np.ndarray:
        """Region or country wanted, per distinct preference: contribution per column."""
        wants_region = np.zeros((len(places), len(self.regions) + 1), dtype=bool)
        wants_country = np.zeros((len(places), len(self.countries)), dtype=bool)
        for r, (regions, countries) in enumerate(places):
            for region in regions:
                if region in self._region_pos:
                    wants_region[r, self._region_pos[region]] = True
            for country in countries:
                if country in self._country_pos:
                    wants_country[r, self._country_pos[country]] = True
        rows = np.arange(len(places))[:, None]
        met = (wants_region[rows, self.region[None, lo:hi]]
               | wants_country[rows, self.country[None, lo:hi]])
        return self.location_table[_code(met, [bool(r or c) for r, c in places])]

    def _sector_rows(self, sectors: list, lo: int, hi: int) -> np.ndarray:
        masks = np.array([sum(1 << self.sector_names.index(s) for s in chosen
                              if s in self.sector_names) for chosen in sectors], dtype=np.int64)
        met = (masks[:, None] >> self.sector[None, lo:hi]) & 1
        return self.sector_table[_code(met.astype(bool), [bool(c) for c in sectors])]

    def _forbid(self, chunk: list[Applicant], lo: int, hi: int, banned: dict[str, set[str]],
                ok: np.ndarray) -> None:
        """Declared interests in the host, pairs tried before, and for someone who applied to
        one opportunity, every other one."""
        for r, a in enumerate(chunk):
            if a.only_opportunity is not None:
                keep = self.column.get(a.only_opportunity, -1) - lo
                allowed = bool(ok[r, keep]) if 0 <= keep < hi - lo else False
                ok[r, :] = False
                if allowed:
                    ok[r, keep] = True
            blocked = [self.column[o] for o in banned.get(a.id, ()) if o in self.column]
            for token in _host_tokens(a):
                blocked.extend(self.hosts[0].get(token, ()))
            for c in blocked:
                if lo <= c < hi:
                    ok[r, c - lo] = False


def _distinct(values: list) -> tuple[list, np.ndarray]:
    """The distinct values (first-seen order) and, per input, the index of its value."""
    seen: dict = {}
    inverse = [seen.setdefault(v, len(seen)) for v in values]
    return list(seen), np.array(inverse, dtype=np.int64)


def _code(met: np.ndarray, has_preference: list[bool]) -> np.ndarray:
    has = np.array(has_preference, dtype=np.int64)[:, None]
    return has * (1 + met.astype(np.int64))


def _grade_table(cols: list[Opportunity], weight: float) -> np.ndarray:
    """Grade contribution for each applicant grade (rows 0-9, row 10 = none) x column."""
    gmin = np.array([o.grade_min if o.grade_min is not None else -1 for o in cols], np.float64)
    gmax = np.array([o.grade_max if o.grade_max is not None else -1 for o in cols], np.float64)
    table = np.empty((NO_GRADE + 1, len(cols)))
    for g in range(NO_GRADE):
        low = np.where(gmin < 0, g, gmin)
        high = np.where(gmax < 0, g, gmax)
        distance = np.maximum(np.maximum(low - g, 0.0), g - high)
        table[g] = weight * np.maximum(0.0, 1.0 - 0.5 * distance)
    table[NO_GRADE] = weight * 1.0
    return table


def _top_k(composite: np.ndarray, k: int) -> np.ndarray:
    m = composite.shape[1]
    if m > k:
        part = np.argpartition(-composite, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(m), composite.shape)
    order = np.argsort(-np.take_along_axis(composite, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _host_tokens(a: Applicant) -> Iterable[str]:
    return [*("o:" + h for h in a.interest_orgs), *("n:" + n for n in a.interest_names)]


Index = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]  # token -> columns, weights


def _weighted_index(entries: list[tuple[int, str, float]]) -> Index:
    cols: dict[str, list[int]] = defaultdict(list)
    weights: dict[str, list[float]] = defaultdict(list)
    for c, token, weight in entries:
        cols[token].append(c)
        weights[token].append(weight)
    return ({t: np.array(v, dtype=np.int64) for t, v in cols.items()},
            {t: np.array(v, dtype=np.float64) for t, v in weights.items()})


def _count(chunk: list[Applicant], tokens, index: Index, lo: int, hi: int) -> np.ndarray:
    """(applicants x columns lo..hi) weighted count of the tokens the two share."""
    cols, weights = index
    width = hi - lo
    parts, part_weights, lengths = [], [], []
    for a in chunk:
        n = 0
        for t in tokens(a):
            found = cols.get(t)
            if found is not None:
                parts.append(found)
                part_weights.append(weights[t])
                n += len(found)
        lengths.append(n)
    if not parts:
        return np.zeros((len(chunk), width))
    flat = np.concatenate(parts)
    rows = np.repeat(np.arange(len(chunk), dtype=np.int64), lengths)
    keep = (flat >= lo) & (flat < hi)
    counts = np.bincount((rows * width + flat - lo)[keep],
                         weights=np.concatenate(part_weights)[keep],
                         minlength=len(chunk) * width)
    return counts.reshape(len(chunk), width)
