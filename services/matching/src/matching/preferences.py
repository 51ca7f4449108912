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
from functools import partial
from itertools import chain, repeat

import numpy as np

from matching.domain import (
    FACTORS,
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
                     excluded: frozenset[tuple[str, str]] = frozenset(),
                     wanted: dict[int, list[int]] | None = None) -> Prefs:
    """For each applicant (by index): its feasible opportunities best first, at most k, and
    each pair's rank key (domain.rank_key of the score). Ties go to the lower index.
    `excluded` holds (applicant id, opportunity id) pairs never to propose again. An
    applicant in `wanted` (its own rank list: opportunity indexes, most wanted first) keeps
    that order instead, cut to the feasible entries, each with its pair's rank key."""
    banned: dict[str, set[str]] = defaultdict(set)
    for a_id, o_id in excluded:
        banned[a_id].add(o_id)
    out: Prefs = ([[] for _ in applicants], [[] for _ in applicants])
    blocks: list[Callable[[], None]] = []
    for scheme, kind in SCHEME_KIND.items():
        a_idx = [i for i, a in enumerate(applicants) if a.scheme == scheme and a.kind == kind]
        # A window that closes before it opens can never be met: drop it up front.
        o_idx = [j for j, o in enumerate(opportunities) if o.scheme == scheme and o.places > 0
                 and o.window_from <= o.window_to]
        if a_idx and o_idx:
            bucket = _Bucket([opportunities[j] for j in o_idx], o_idx, rules, wanted or {})
            by_length: dict[int, list[int]] = defaultdict(list)
            for i in a_idx:
                by_length[applicants[i].desired_months].append(i)
            for months, group in sorted(by_length.items()):
                blocks += bucket.blocks([applicants[i] for i in group], group, months, k,
                                        banned, out)
    # One block after another on the round's worker thread: of the two cores, the other is
    # wanted by PostgreSQL and the event loop (consumers and HTTP keep answering).
    for block in blocks:
        block()
    return out


class _Bucket:
    """One scheme's opportunities as columns sorted by length in months, so the applicants
    who want d months only ever look at the contiguous slice of lengths d-gap..d+gap (the
    length filter costs nothing), with per-column arrays and lookup tables of contributions."""

    def __init__(self, bucket: list[Opportunity], global_idx: list[int], rules: Rules,
                 wanted: dict[int, list[int]]) -> None:
        m, w = len(bucket), rules.weights
        order = sorted(range(m), key=lambda p: (bucket[p].months, p))
        cols = [bucket[p] for p in order]
        self.m, self.rules, self.gap, self.wanted = m, rules, rules.max_length_gap, wanted
        self.global_idx = np.array([global_idx[p] for p in order], dtype=np.int64)
        self.column_of = {j: c for c, j in enumerate(self.global_idx.tolist())}
        self.tie = np.array([m - 1 - p for p in order], dtype=np.float64)  # lower id wins ties
        most = sum(w.of(f) for f in FACTORS)  # the highest score a pair can have
        if (most * 1e9 + 1) * m >= 2 ** 53:
            raise ValueError("score weights too large for exact composite rank keys")
        self.penalty = 2 * most + 2  # added negatively for a failed filter (see _Group)
        self.column = {o.id: c for c, o in enumerate(cols)}
        self.months = np.array([o.months for o in cols])
        self.vettable = VETTABLE_UP_TO.get(cols[0].scheme, 0)
        self.skills = _Tokens([(c, s, 2.0) for c, o in enumerate(cols) for s in o.required_skills]
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
        self.hosts: dict[str, list[int]] = defaultdict(list)
        for c, o in enumerate(cols):
            self.hosts["o:" + o.host_org_id].append(c)
            self.hosts["n:" + o.host_key].append(c)
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

    def blocks(self, apps: list[Applicant], idx: list[int], months: int, k: int,
               banned: dict[str, set[str]], out: Prefs) -> list[Callable[[], None]]:
        """The work for applicants wanting `months`, in blocks of about BLOCK_CELLS pairs;
        each block writes its applicants' lists into `out`."""
        lo = int(np.searchsorted(self.months, months - self.gap, "left"))
        hi = int(np.searchsorted(self.months, months + self.gap, "right"))
        if hi <= lo:
            return []
        group = _Group(self, apps, lo, hi)
        rows = max(1, BLOCK_CELLS // (hi - lo))
        return [partial(self._block, group, apps[s:s + rows], idx[s:s + rows], s, k, banned,
                        out) for s in range(0, len(apps), rows)]

    def _block(self, g: _Group, chunk: list[Applicant], idx: list[int], first: int, k: int,
               banned: dict[str, set[str]], out: Prefs) -> None:
        composite = self._score(g, slice(first, first + len(chunk)))
        self._forbid(chunk, g.lo, g.hi, banned, composite)
        listed = [r for r, i in enumerate(idx) if i in self.wanted] if self.wanted else []
        if listed:
            self._gather(g, composite, [idx[r] for r in listed], listed, out)
            if len(listed) == len(idx):
                return
            rest = [r for r, i in enumerate(idx) if i not in self.wanted]
            composite, idx = composite[rest], [idx[r] for r in rest]
        top, best = _top_k(composite, k)
        # Best first, so a row's infeasible (negative) entries are its tail: cut each list
        # there, in plain Python lists (per-row numpy indexing costs more than the arithmetic).
        feasible = (best >= 0).sum(axis=1).tolist()
        columns = self.global_idx[g.lo + top].tolist()
        keys = (best.astype(np.int64) // self.m).tolist()  # composite = key * m + tie
        for i, n, cs, ks in zip(idx, feasible, columns, keys, strict=True):
            out[0][i], out[1][i] = cs[:n], ks[:n]

    def _score(self, g: _Group, rows: slice) -> np.ndarray:
        """Composite rank keys, key * m + tie (0 <= tie < m), for the group's applicants
        `rows` x its columns; negative where a hard filter fails. Sums in domain.score's
        order, so keys are bit-identical. Integers held in float64 (exact below 2**53, see
        _Bucket): one conversion pass fewer than int64."""
        w = self.rules.weights
        total = g.skill_hits(rows)
        total /= self.denom[None, g.lo:g.hi]
        if self.no_skills[g.lo:g.hi].any():
            total[:, self.no_skills[g.lo:g.hi]] = 1.0
        total *= w.skills
        total += g.sector[g.sector_of[rows]]
        total += g.location[g.place_of[rows]]
        total += g.grade[g.grade_of[rows]]  # with the clearance filter's penalty
        total += g.start[g.start_of[rows]]  # with the availability filter's penalty
        total *= 1e9
        total += 0.5
        np.floor(total, out=total)
        total *= self.m
        total += self.tie[None, g.lo:g.hi]
        return total

    def _gather(self, g: _Group, composite: np.ndarray, apps: list[int], rows: list[int],
                out: Prefs) -> None:
        """Applicants with their own lists: each listed pair's key, in the list's order; a
        pair outside this length group's columns failed the length filter (dropped), as
        does any pair whose composite is negative (another filter failed)."""
        r_at, c_at, owner, opp = [], [], [], []
        for a, r in zip(apps, rows, strict=True):
            for j in self.wanted[a]:
                c = self.column_of.get(j, -1)
                if g.lo <= c < g.hi:
                    r_at.append(r)
                    c_at.append(c - g.lo)
                    owner.append(a)
                    opp.append(j)
        values = composite[r_at, c_at].tolist() if r_at else []
        for a in apps:
            out[0][a], out[1][a] = [], []
        for a, j, v in zip(owner, opp, values, strict=True):
            if v >= 0:
                out[0][a].append(j)
                out[1][a].append(int(v) // self.m)

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
                composite: np.ndarray) -> None:
        """Declared interests in the host, pairs tried before, and for someone who applied to
        one opportunity, every other one: marked infeasible (-1)."""
        rows, cols = [], []
        for r, a in enumerate(chunk):
            if a.only_opportunity is not None:
                keep = self.column.get(a.only_opportunity, -1) - lo
                kept = composite[r, keep] if 0 <= keep < hi - lo else -1.0
                composite[r, :] = -1.0
                if kept >= 0:
                    composite[r, keep] = kept
            if not (a.interest_orgs or a.interest_names or a.id in banned):
                continue  # most applicants: nothing to look up
            blocked = [self.column[o] for o in banned.get(a.id, ()) if o in self.column]
            for token in _host_tokens(a):
                blocked.extend(self.hosts.get(token, ()))
            for c in blocked:
                if lo <= c < hi:
                    rows.append(r)
                    cols.append(c - lo)
        composite[rows, cols] = -1.0


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


def _top_k(composite: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the columns of the k largest values, largest first, and those values.
    Feasible values are distinct within a row (the tie term), so the order is unique."""
    m = composite.shape[1]
    if m > k:
        part = np.argpartition(composite, m - k, axis=1)[:, m - k:]
    else:
        part = np.broadcast_to(np.arange(m), composite.shape)
    values = np.take_along_axis(composite, part, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(values, order, axis=1)


def _host_tokens(a: Applicant) -> Iterable[str]:
    return [*("o:" + h for h in a.interest_orgs), *("n:" + n for n in a.interest_names)]


class _Tokens:
    """token -> the columns carrying it (and each one's weight) as one CSR table: entries
    start[t] .. start[t + 1] - 1 of cols and weights."""

    def __init__(self, entries: list[tuple[int, str, float]]) -> None:
        by_token: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for c, token, weight in entries:
            by_token[token].append((c, weight))
        self.id = {token: i for i, token in enumerate(by_token)}
        self.start = np.zeros(len(by_token) + 1, dtype=np.int64)
        np.cumsum([len(v) for v in by_token.values()], out=self.start[1:])
        self.cols = np.array([c for v in by_token.values() for c, _ in v], dtype=np.int64)
        self.weights = np.array([w for v in by_token.values() for _, w in v], dtype=np.float64)

    def within(self, lo: int, hi: int) -> _Tokens:
        """The same table with only columns lo..hi, renumbered from 0."""
        keep = (self.cols >= lo) & (self.cols < hi)
        kept = np.zeros(len(self.cols) + 1, dtype=np.int64)
        np.cumsum(keep, out=kept[1:])
        out = object.__new__(_Tokens)
        out.id, out.start = self.id, kept[self.start]
        out.cols, out.weights = self.cols[keep] - lo, self.weights[keep]
        return out


class _Group:
    """Applicants who want the same length, against their slice lo..hi of the columns.
    Factors that depend on one applicant attribute are computed once per distinct value (a
    small table) and gathered per row by every block of the group: far fewer passes over the
    pairs, and the tables are built once per group instead of once per block."""

    def __init__(self, bucket: _Bucket, apps: list[Applicant], lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        sectors, self.sector_of = _distinct([a.sectors for a in apps])
        self.sector = bucket._sector_rows(sectors, lo, hi)
        places, self.place_of = _distinct([(a.regions, a.countries) for a in apps])
        self.location = bucket._location_rows(places, lo, hi)
        # A failed filter adds -penalty: the total goes negative whatever the other factors,
        # so the pair's composite key does too. Clearance rides on the grade gather, and
        # availability on the start one: no separate passes for the two filters.
        grades = [a.grade if a.grade is not None else NO_GRADE for a in apps]
        held = [max(a.clearance, bucket.vettable) for a in apps]
        pairs, self.grade_of = _distinct(list(zip(grades, held, strict=True)))
        uncleared = bucket.clearance[None, lo:hi] > np.array([h for _, h in pairs])[:, None]
        self.grade = bucket.grade_table[[g for g, _ in pairs], lo:hi] - bucket.penalty * uncleared
        today = bucket.rules.today.toordinal()
        starts, self.start_of = _distinct([max(a.earliest_start.toordinal(), today)
                                           for a in apps])
        earliest = np.array(starts)[:, None]
        delay = np.clip(bucket.wfrom[None, lo:hi] - earliest, 0, START_TABLE)
        unavailable = earliest > bucket.wto[None, lo:hi]
        self.start = bucket.start_table[delay] - bucket.penalty * unavailable
        self.skills = bucket.skills.within(lo, hi)
        # Every applicant's known skill ids, flat, applicant r's at token_at[r]..[r + 1] - 1
        # (map and chain: C loops, not a Python one per skill).
        ids = np.fromiter(map(self.skills.id.get, chain.from_iterable(a.skills for a in apps),
                              repeat(-1)), np.int64)
        owner = np.repeat(np.arange(len(apps)), [len(a.skills) for a in apps])
        known = ids >= 0
        self.token_ids = ids[known]
        self.token_at = np.searchsorted(owner[known], np.arange(len(apps) + 1))

    def skill_hits(self, rows: slice) -> np.ndarray:
        """(rows x columns) weighted count of the skills each applicant shares with each
        column. Weights are small integers, so the sum is exact in any order."""
        n, width = rows.stop - rows.start, self.hi - self.lo
        at = self.token_at[rows.start:rows.stop + 1]
        ids = self.token_ids[at[0]:at[-1]]
        first = self.skills.start[ids]
        lengths = self.skills.start[ids + 1] - first
        # Positions first[j] .. first[j] + lengths[j] - 1 of every token j, concatenated.
        pos = np.arange(int(lengths.sum())) + np.repeat(first - (np.cumsum(lengths) - lengths),
                                                        lengths)
        owner = np.repeat(np.repeat(np.arange(n), np.diff(at)), lengths)
        counts = np.bincount(owner * width + self.skills.cols[pos],
                             weights=self.skills.weights[pos], minlength=n * width)
        # float even when nothing is counted (bincount then answers in int64)
        return counts.reshape(n, width).astype(np.float64, copy=False)
