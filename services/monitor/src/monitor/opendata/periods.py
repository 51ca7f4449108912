"""Quarters: the periods open data is released for, and when each release falls due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PERIOD_PATTERN = r"^2[0-9]{3}-Q[1-4]$"  # this millennium: any date arithmetic stays in range


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        if not re.fullmatch(PERIOD_PATTERN, text):
            raise ValueError(f"period: {text!r} is not a quarter written YYYY-Qn, e.g. 2026-Q3")
        return cls(int(text[:4]), int(text[-1]))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the quarter (UTC): what it counts is before this."""
        nxt = self.next().first_day
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=UTC)

    def next(self) -> Quarter:
        return Quarter(self.year + self.quarter // 4, self.quarter % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)

    def due_at(self, lag_days: int) -> datetime:
        """When its release is due: `lag_days` after the quarter ends, so events about the
        quarter that arrive late (a consumer catching up) are counted in it."""
        return self.ends_at + timedelta(days=lag_days)


def latest_due(now: datetime, lag_days: int) -> Quarter:
    """The most recent quarter whose release is due at `now`."""
    q = Quarter.containing(now.date()).previous()
    while q.due_at(lag_days) > now:
        q = q.previous()
    return q


def next_due(now: datetime, lag_days: int) -> Quarter:
    """The first quarter whose release is not yet due at `now`."""
    return latest_due(now, lag_days).next()
