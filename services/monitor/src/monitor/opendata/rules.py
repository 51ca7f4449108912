"""What a release publishes, as pure functions: each confirmed placement's cell, the rounding
and suppression of a cell's count, and the ITL1 figures. The argument for why no difference
of published figures reveals a count under 5 is in the monitor's README ("Open data")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from contracts import ITL1_CODES, ITL2Region, UKRegion, itl1_of

MIN_COUNT = 5  # counts under this are never published
BASE = 5  # every published count is a multiple of this
SIZE_BANDS = ("micro", "small", "medium", "large", "unknown")
AREA_TYPES = ("ITL2", "ITL1", "UK", "country")


@dataclass(frozen=True, order=True)
class Cell:
    """The finest published breakdown. A placement's cell is fixed the first time a release
    counts it (the `open_data_placements` table), so cells partition placements for good."""

    scheme: str
    sector: str
    area_type: str  # ITL2 | ITL1 (UK, ITL2 not stated) | UK (no region stated) | country
    area_code: str  # TLD3 | TLD | GB | an ISO 3166-1 alpha-2 code outside the UK
    size_band: str

    @property
    def itl1_code(self) -> str | None:
        return self.area_code[:3] if self.area_type in ("ITL2", "ITL1") else None


def rounded(count: int) -> int | None:
    """None under 5; else the nearest multiple of 5. Counts are whole, so there is never a
    tie: a remainder of 0, 1 or 2 rounds down, 3 or 4 up."""
    if count < MIN_COUNT:
        return None
    return BASE * ((count + 2) // BASE)


def true_range(published: int | None) -> tuple[int, int]:
    """Every true count a published figure is consistent with: what a reader learns."""
    if published is None:
        return 0, MIN_COUNT - 1
    if published == MIN_COUNT:
        return MIN_COUNT, MIN_COUNT + 2
    return published - 2, published + 2


def publish(counts: Mapping[Cell, int], previous: Mapping[Cell, int]) -> dict[Cell, int]:
    """The published figure of each cell from its cumulative count to the period's end.

    A cell published before is never suppressed or lowered later. Cumulative counts of a fixed
    partition only grow, so this never fires; it is the promise kept even if the log lost a
    placement (a reader comparing releases must never see a published cell disappear)."""
    out: dict[Cell, int] = {}
    for cell in set(counts) | set(previous):
        value = rounded(counts.get(cell, 0))
        before = previous.get(cell)
        if before is not None and (value is None or value < before):
            value = before
        if value is not None:
            out[cell] = value
    return out


def itl1_figures(published: Mapping[Cell, int]) -> dict[tuple[str, str, str, str], int]:
    """Per (scheme, sector, ITL1 code, size band): the SUM of the published figures of its
    cells. Never an independently rounded total: that would let a reader subtract the
    published ITL2 figures and pin a suppressed remainder to 1-4 (see README)."""
    totals: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for cell, value in published.items():
        if cell.itl1_code:
            totals[(cell.scheme, cell.sector, cell.itl1_code, cell.size_band)] += value
    return dict(totals)


def size_band(staff: Any) -> str:
    """SME size bands (Companies Act / the EU SME definition by staff headcount)."""
    if staff is None:
        return "unknown"
    staff = int(staff)
    return ("micro" if staff < 10 else "small" if staff < 50
            else "medium" if staff < 250 else "large")


def area_of(placement: Mapping[str, Any], opportunity: Mapping[str, Any] | None
            ) -> tuple[str, str]:
    """Where a placement is: its ITL2 region when its opportunity named one, else its ITL1
    region, else its country abroad."""
    country = str(placement.get("country") or (opportunity or {}).get("country") or "GB")
    if country != "GB":
        return "country", country
    region = placement.get("region") or (opportunity or {}).get("region")
    itl2 = (opportunity or {}).get("itl2")
    if itl2 in set(ITL2Region) and (region is None or itl1_of(itl2) == region):
        return "ITL2", str(itl2)
    if region in set(UKRegion):
        return "ITL1", ITL1_CODES[UKRegion(region)]
    return "UK", "GB"


def opportunity_at(versions: Iterable[tuple[Any, Mapping[str, Any]]], when: Any
                   ) -> Mapping[str, Any] | None:
    """The opportunity as it stood at `when`: its last version (published or amended) then,
    or its first if all came later. `versions` are (occurred_at, payload) in story order."""
    chosen = None
    for at, payload in versions:
        if chosen is None or at <= when:
            chosen = payload
    return chosen


def cell_of(placement: Mapping[str, Any], opportunity: Mapping[str, Any] | None) -> Cell:
    area_type, area_code = area_of(placement, opportunity)
    return Cell(scheme=str(placement.get("scheme")), sector=str(placement.get("sector")),
                area_type=area_type, area_code=area_code,
                size_band=size_band((opportunity or {}).get("host_staff_count")))
