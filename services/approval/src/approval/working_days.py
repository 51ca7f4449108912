"""SLA clocks count working days: weekends and UK bank holidays do not use up a stage's time.

Whole days of an SLA are working days; what is left under a day runs on the wall clock, so a
test's few-second SLA behaves as before and a five-day SLA opened on a Friday before a bank
holiday Monday falls due on the following Friday, not on Wednesday."""

from __future__ import annotations

from datetime import date, datetime, timedelta

DAY = timedelta(days=1)


def is_working_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def after_working_time(start: datetime, span: timedelta, holidays: frozenset[date]) -> datetime:
    whole_days, rest = divmod(span, DAY)
    moment = start
    for _ in range(whole_days):
        moment += DAY
        while not is_working_day(moment.date(), holidays):
            moment += DAY
    return moment + rest

