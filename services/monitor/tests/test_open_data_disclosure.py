"""Disclosure control of the open-data releases, checked on generated populations.

What a reader knows. A published placements row says the true count of its cell (placements
confirmed to the period's end) lies in `true_range(figure)`: 5 means 5-7, any other figure
f means f-2..f+2. A cell with no row (every cell of the vocabulary may be asked about) holds
0-4. A published ITL1 figure is, by definition, the sum of the published figures of that
region's cells; it tells nothing beyond them, and the reader is granted the same cell ranges.

What 'reveals' means. A *difference* is a group of placements defined by two published tables
(two releases, or two breakdowns of one release, or both): the placements counted by a figure
of one table (a cell, or an ITL1 region's cells for a scheme, sector and band) minus those
counted by some of the figures of the other that lie within it (the same cell in an earlier
release; any subset of the region's cells published in the same or an earlier release). From
the ranges above, and knowing that counts are cumulative (a cell's count never falls), the
reader bounds the group's size: per cell, a cell subtracted at release r from itself at
release s holds between max(0, lo_s - hi_r) and hi_s - lo_r (exactly 0 when r = s); a cell
not subtracted holds its own range at s; the group's bounds are the sums. The difference
*reveals* a small count when those bounds lie within 1..4: the reader is then certain that
between one and four people are in the group. Every such bound must also hold the group's
true size (the ranges are sound), or the check itself would prove nothing.

The check has teeth: the same check run on ITL1 totals rounded independently from the true
counts (what the old export would have done) finds a difference that reveals.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from monitor.opendata import files
from monitor.opendata.periods import Quarter
from monitor.opendata.rules import Cell, publish, rounded, true_range

from contracts import ITL2Region, Scheme, Sector, itl1_of

QUARTERS = [Quarter(2026, 1)]
for _ in range(7):
    QUARTERS.append(QUARTERS[-1].next())
WALES = [ITL2Region.WEST_WALES_AND_THE_VALLEYS, ITL2Region.EAST_WALES]
AREAS = [("ITL2", r.value) for r in [*WALES, ITL2Region.NORTHERN_IRELAND,
                                     ITL2Region.GREATER_MANCHESTER, ITL2Region.CUMBRIA,
                                     ITL2Region.MERSEYSIDE]] + [("ITL1", "TLD"),
                                                                ("country", "FR")]
Truth = list[Counter]  # per release: cell -> true cumulative count


def population(seed: int) -> Truth:
    """Placements over eight quarters in a few small cell families, some confirmed in a
    quarter but only known after its release (they count from the next release on)."""
    rng = random.Random(seed)
    cells = [Cell(s, sec, t, code, band) for s in (Scheme.INDUSTRY, Scheme.DIPLOMATIC)
             for sec in (Sector.DEFENCE, Sector.CLEAN_ENERGY) for t, code in AREAS
             for band in ("micro", "small")]
    weights = [rng.choice([0.2, 1, 3]) for _ in cells]
    known_at = [rng.choices(range(len(QUARTERS)), k=1)[0] + rng.choice([0, 0, 0, 1])
                for _ in range(rng.randint(150, 400))]
    placed = rng.choices(cells, weights, k=len(known_at))
    return [Counter(c for c, k in zip(placed, known_at, strict=True) if k <= r)
            for r in range(len(QUARTERS))]


def releases(truth: Truth) -> list[tuple[dict[Cell, int], dict[tuple, int]]]:
    """Each release as a reader gets it: parsed back from its published CSV files."""
    out, previous = [], {}
    for quarter, counts in zip(QUARTERS, truth, strict=True):
        published = publish(counts, previous)
        previous = published
        made = files.build(quarter, published, datetime(2027, 1, 1, tzinfo=UTC))
        cells = {Cell(r["scheme"], r["sector"], r["area_type"], r["area_code"],
                      r["size_band"]): int(r["placements"])
                 for r in csv.DictReader(io.StringIO(made["placements.csv"]))}
        itl1 = {(r["scheme"], r["sector"], r["itl1_code"], r["size_band"]): int(r["placements"])
                for r in csv.DictReader(io.StringIO(made["placements-itl1.csv"]))}
        out.append((cells, itl1))
    return out


def families(truth: Truth) -> dict[tuple, list[Cell]]:
    """Cells an ITL1 figure sums (per scheme, sector, region, band); abroad, each cell alone."""
    fam: dict[tuple, set[Cell]] = defaultdict(set)
    for cell in set().union(*truth):
        key = (cell.scheme, cell.sector, cell.itl1_code or cell.area_code, cell.size_band)
        fam[key].add(cell)
    return {k: sorted(v) for k, v in fam.items()}


def bounds(cells: dict[Cell, int], later: dict[Cell, int], group: list[Cell],
           taken: set[Cell], same: bool) -> tuple[int, int]:
    """Bounds on (the group at the later release) minus (the `taken` cells at the earlier)."""
    lo = hi = 0
    for cell in group:
        lo_s, hi_s = true_range(later.get(cell))
        if cell not in taken:
            lo, hi = lo + lo_s, hi + hi_s
        elif not same:
            lo_r, hi_r = true_range(cells.get(cell))
            lo, hi = lo + max(0, lo_s - hi_r), hi + hi_s - lo_r
    return lo, hi


def reveals(lo: int, hi: int) -> bool:
    return 1 <= lo and hi <= 4


def every_difference(truth: Truth, published: list[dict[Cell, int]]):
    """(bounds, true size) of every difference the docstring defines."""
    for (r, earlier), (s, later) in itertools.combinations_with_replacement(
            enumerate(published), 2):
        for group in families(truth).values():
            shown = [c for c in group if c in earlier]
            subsets = itertools.chain.from_iterable(
                itertools.combinations(shown, k) for k in range(len(shown) + 1))
            for taken in map(set, subsets):
                true = sum(truth[s][c] for c in group) - sum(truth[r][c] for c in taken)
                yield bounds(earlier, later, group, taken, r == s), true


@pytest.mark.parametrize("seed", range(6))
def test_no_published_figure_or_difference_of_two_tables_reveals_a_count_under_five(seed):
    truth = population(seed)
    made = releases(truth)
    cells = [c for c, _ in made]
    for release in cells:
        assert all(v >= 5 and v % 5 == 0 for v in release.values())
    for earlier, later in itertools.pairwise(cells):
        # Once published, a cell stays published and never falls.
        assert all(later.get(c, 0) >= v for c, v in earlier.items())
    for (_, itl1), release in zip(made, cells, strict=True):
        assert all(v >= 5 and v % 5 == 0 for v in itl1.values())
        # An ITL1 figure minus its published cells is exactly 0: it adds nothing to them.
        sums = Counter()
        for cell, v in release.items():
            if cell.itl1_code:
                sums[(cell.scheme, cell.sector, cell.itl1_code, cell.size_band)] += v
        assert itl1 == dict(sums)
    checked = 0
    for (lo, hi), true in every_difference(truth, cells):
        assert lo <= true <= hi, "the reader's bounds must hold the truth"
        assert not reveals(lo, hi), f"a difference is pinned to {lo}..{hi} (true {true})"
        checked += 1
    assert checked > 1000


def test_independently_rounded_itl1_totals_would_reveal_so_the_check_has_teeth():
    # East Wales 5 placements (published 5), West Wales 3 (suppressed): Wales has 8.
    east, west = (Cell("industry", "defence", "ITL2", r.value, "small") for r in
                  (ITL2Region.EAST_WALES, ITL2Region.WEST_WALES_AND_THE_VALLEYS))
    truth = Counter({east: 5, west: 3})
    assert itl1_of(east.area_code) == itl1_of(west.area_code)
    shown = publish(truth, {})
    assert shown == {east: 5}
    # An independently rounded Wales total, 10 (8-12), minus East Wales' 5 (5-7):
    lo_t, hi_t = true_range(rounded(sum(truth.values())))
    lo_e, hi_e = true_range(shown[east])
    rest = (max(0, lo_t - hi_e), min(hi_t - lo_e, 4))  # West Wales alone, and it is under 5
    assert reveals(*rest) and rest == (1, 4)
    # The published ITL1 figure is the sum of the shown areas instead, and reveals nothing.
    lo, hi = bounds(shown, shown, [east, west], {east}, same=True)
    assert (lo, hi) == (0, 4) and not reveals(lo, hi)
