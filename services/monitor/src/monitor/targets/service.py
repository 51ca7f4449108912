"""Use cases of KPI targets: central HR sets one (kept with who and when, never changed), and
reads each KPI by quarter against the target in force for that quarter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum

import asyncpg
from pydantic import BaseModel, ConfigDict, Field
from shared.errors import Invalid

from monitor import repository as repo
from monitor.opendata.periods import PERIOD_PATTERN, Quarter
from monitor.targets.measures import KPIS, REGIONS, KpiDef, Value, measure

KpiId = StrEnum("KpiId", {k: k for k in KPIS})  # type: ignore[misc]
MAX_QUARTERS = 40


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kpi": "region_share", "region": "North West", "target": 15,
         "from_period": "2026-Q1"}]})
    kpi: KpiId
    region: str | None = Field(default=None, max_length=40, description="For region_share "
                               "only: the ITL1 region name, or 'Outside UK'")
    target: float = Field(allow_inf_nan=False, description="percent (0-100) for shares and "
                          "rates, 1-5 for ratings, days (0-365) for days_to_confirmation")
    from_period: str = Field(pattern=PERIOD_PATTERN, description="the first quarter it holds "
                             "for, YYYY-Qn")


class Target(BaseModel):
    kpi: str
    region: str | None
    target: float
    from_period: str
    set_by: str
    set_at: datetime


class Point(BaseModel):
    period: str
    value: float | None = Field(description="null: nothing to measure in the quarter")
    numerator: float | None
    denominator: float | None
    target: float | None
    met: bool | None = Field(description="null when there is no target or no value")


class KpiSeries(BaseModel):
    kpi: str
    region: str | None
    label: str
    unit: str
    direction: str
    points: list[Point]


class Series(BaseModel):
    from_period: str
    to_period: str
    series: list[KpiSeries]


class Catalogue(BaseModel):
    kpis: list[dict]
    regions: list[str]
    targets: list[Target] = Field(description="every target ever set, newest first")


class KpiTargets:
    def __init__(self, pool: asyncpg.Pool,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.pool = pool
        self.clock = clock

    async def set(self, body: TargetIn, by: str) -> Target:
        kpi = KPIS[body.kpi.value]
        region = check(kpi, body)
        row = await self.pool.fetchrow(
            "INSERT INTO kpi_targets (kpi, region, target, from_period, set_by) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING *", kpi.id, region or "", body.target,
            str(quarter(body.from_period, "from_period")), by)
        return target_of(row)

    async def catalogue(self) -> Catalogue:
        return Catalogue(kpis=[k.__dict__ for k in KPIS.values()], regions=list(REGIONS),
                         targets=[target_of(r) for r in await self._targets("DESC")])

    async def series(self, first: str | None, last: str | None) -> Series:
        end = quarter(last, "to_period") if last else Quarter.containing(self.clock().date())
        start = quarter(first, "from_period") if first else _back(end, 3)
        if start > end:
            raise Invalid("from_period: must not be after to_period", "from_period")
        quarters = [start]
        while quarters[-1] < end:
            quarters.append(quarters[-1].next())
            if len(quarters) > MAX_QUARTERS:
                raise Invalid(f"to_period: at most {MAX_QUARTERS} quarters at once",
                              "to_period")
        targets = await self._targets("ASC")
        values = measure(await repo.all_journey_events(self.pool),
                         await repo.opportunity_events(self.pool), quarters)
        return Series(from_period=str(start), to_period=str(end),
                      series=series_of(values, targets, quarters))

    async def _targets(self, order: str) -> list[asyncpg.Record]:
        return await self.pool.fetch(f"SELECT * FROM kpi_targets ORDER BY set_at {order}, "
                                     f"id {order}")


def check(kpi: KpiDef, body: TargetIn) -> str | None:
    """422 naming the field for a target that cannot be: the region, then the value."""
    if kpi.per_region and body.region not in REGIONS:
        raise Invalid(f"region: {kpi.id} needs a region, one of: " + ", ".join(REGIONS),
                      "region")
    if not kpi.per_region and body.region:
        raise Invalid(f"region: {kpi.id} is not set per region; leave region out", "region")
    if not kpi.low <= body.target <= kpi.high:
        raise Invalid(f"target: {kpi.label} is in {kpi.unit}, from {kpi.low:g} to "
                      f"{kpi.high:g}; {body.target:g} is outside that", "target")
    return body.region


def quarter(text: str, field: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise Invalid(str(exc).replace("period:", f"{field}:"), field) from None


def _back(q: Quarter, n: int) -> Quarter:
    for _ in range(n):
        q = q.previous()
    return q


def target_of(row: asyncpg.Record) -> Target:
    return Target(kpi=row["kpi"], region=row["region"] or None, target=float(row["target"]),
                  from_period=row["from_period"], set_by=row["set_by"], set_at=row["set_at"])


def in_force(targets: list[asyncpg.Record], kpi: str, region: str, q: Quarter) -> float | None:
    """The latest target set for this KPI that holds from `q` or earlier (targets in set
    order): setting a new one replaces the old from its quarter on."""
    chosen = None
    for t in targets:
        if t["kpi"] == kpi and t["region"] == region and Quarter.parse(t["from_period"]) <= q:
            chosen = float(t["target"])
    return chosen


def met(kpi: KpiDef, value: float | None, target: float | None) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if kpi.direction == "at_least" else value <= target


def series_of(values: dict[tuple[str, str, Quarter], Value], targets: list[asyncpg.Record],
              quarters: list[Quarter]) -> list[KpiSeries]:
    """Every KPI; region_share for the regions with a target or a placement in the range."""
    out = []
    for kpi in KPIS.values():
        regions = [""] if not kpi.per_region else [
            r for r in REGIONS if any(t["kpi"] == kpi.id and t["region"] == r for t in targets)
            or any(values[(kpi.id, r, q)].numerator for q in quarters)]
        for region in regions:
            points = []
            for q in quarters:
                v, goal = values[(kpi.id, region, q)], in_force(targets, kpi.id, region, q)
                points.append(Point(period=str(q), value=v.value, numerator=v.numerator,
                                    denominator=v.denominator, target=goal,
                                    met=met(kpi, v.value, goal)))
            out.append(KpiSeries(kpi=kpi.id, region=region or None, label=kpi.label,
                                 unit=kpi.unit, direction=kpi.direction, points=points))
    return out
