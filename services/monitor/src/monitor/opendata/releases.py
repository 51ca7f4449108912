"""Use cases of open data: make a quarter's release (HR or the timer), list releases, serve
their files. A release is made once, in order, and never changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg
from pydantic import BaseModel, Field
from shared.errors import Conflict, NotFound
from shared.logging import get_logger
from shared.workers import WorkerLoop

from monitor.config import MonitorSettings
from monitor.opendata import files, rules, store
from monitor.opendata.periods import Quarter, latest_due, next_due

log = get_logger(__name__)


class Release(BaseModel):
    period: str = Field(examples=["2026-Q3"])
    period_start: str
    period_end: str
    released_at: datetime
    release_date: str
    made_by: str = Field(description="timer (on its due date) or hr (central HR's action)")
    files: dict[str, str] = Field(description="file name -> its path on this service")

    @classmethod
    def of(cls, row: asyncpg.Record) -> Release:
        base = f"/open-data/releases/{row['period']}/"
        return cls(period=row["period"], period_start=row["period_start"].isoformat(),
                   period_end=row["period_end"].isoformat(), released_at=row["released_at"],
                   release_date=row["released_at"].date().isoformat(),
                   made_by=row["made_by"], files={f: base + f for f in files.FILES})


class NextRelease(BaseModel):
    period: str
    due_on: str


class Releases(BaseModel):
    items: list[Release] = Field(description="newest first")
    next_release: NextRelease


class OpenDataReleases:
    def __init__(self, settings: MonitorSettings, pool: asyncpg.Pool,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.pool = pool
        self.lag = settings.open_data_release_lag_days
        self.clock = clock

    def next_release(self) -> NextRelease:
        q = next_due(self.clock(), self.lag)
        return NextRelease(period=str(q), due_on=q.due_at(self.lag).date().isoformat())

    async def make(self, period: Quarter, made_by: str, requested_by: str | None) -> Release:
        now = self.clock()
        if now < period.ends_at:
            raise Conflict(f"period: {period} has not ended yet; it can be released from "
                           f"{period.ends_at.date()} (due on {period.due_at(self.lag).date()})",
                           "period")
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", store.RELEASE_LOCK)
            last = await store.latest(conn)
            if last is not None and Quarter.parse(last["period"]) >= period:
                raise Conflict(f"period: {period} can no longer be released: releases are "
                               f"cumulative and made in order, and {last['period']} is "
                               "already out (a release is never changed)", "period")
            await store.attribute_new_placements(conn)
            published = rules.publish(await store.counts_to(conn, period.ends_at),
                                      store.cells_of(last))
            await store.insert(conn, period, now, made_by, requested_by, published,
                               files.build(period, published, now))
        log.info("open-data release made", period=str(period), by=made_by,
                 cells=len(published))
        return Release.of(await store.release(self.pool, str(period)))

    async def release_due(self) -> bool:
        """The timer's step: make the latest due quarter's release if it is not out yet."""
        due = latest_due(self.clock(), self.lag)
        last = await store.latest(self.pool)
        if last is None or Quarter.parse(last["period"]) < due:
            try:
                await self.make(due, "timer", None)
            except Conflict:
                pass  # another instance (or HR) made it first
        return False

    async def list(self) -> Releases:
        return Releases(items=[Release.of(r) for r in await store.all_releases(self.pool)],
                        next_release=self.next_release())

    async def get(self, period: Quarter) -> Release:
        row = await store.release(self.pool, str(period))
        if row is None:
            raise self.not_released(period)
        return Release.of(row)

    async def file(self, period: Quarter, name: str) -> str:
        text = await store.release_file(self.pool, str(period), name)
        if text is None:
            raise self.not_released(period)
        return text

    def not_released(self, period: Quarter) -> NotFound:
        due = period.due_at(self.lag)
        if due > self.clock():
            return NotFound(f"period: {period} has not been released yet; its release is due "
                            f"on {due.date()}", "period")
        nxt = self.next_release()
        return NotFound(f"period: there is no release for {period}; the next release "
                        f"({nxt.period}) is due on {nxt.due_on}", "period")


class ReleaseTimer:
    """Durable: what is due follows from the clock and the releases table alone, so a release
    missed while the service was down is made at the first look after it starts."""

    def __init__(self, releases: OpenDataReleases, poll_seconds: float) -> None:
        self.loop = (WorkerLoop("open-data-release-timer", releases.release_due, poll_seconds)
                     if poll_seconds > 0 else None)

    async def start(self) -> None:
        if self.loop:
            await self.loop.start()

    async def stop(self) -> None:
        if self.loop:
            await self.loop.stop()
