"""SLA clocks skip weekends and UK bank holidays (pure rules, no I/O)."""

from datetime import UTC, date, datetime, timedelta

from approval.config import ApprovalSettings, uk_bank_holidays
from approval.domain import Sla, stage_times
from approval.working_days import after_working_time

from contracts import ApprovalStage

EW = uk_bank_holidays("england-and-wales")
DAYS = timedelta(days=1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_five_working_days_from_a_monday_end_on_the_next_monday():
    assert after_working_time(at(date(2027, 3, 1)), 5 * DAYS, EW) == at(date(2027, 3, 8))


def test_a_weekend_does_not_count():
    friday = date(2027, 3, 5)
    assert after_working_time(at(friday), 1 * DAYS, EW) == at(date(2027, 3, 8))


def test_a_bank_holiday_monday_does_not_count():
    # 31 May 2027 is the spring bank holiday in England and Wales.
    assert date(2027, 5, 31) in EW
    friday = date(2027, 5, 28)
    assert after_working_time(at(friday), 1 * DAYS, EW) == at(date(2027, 6, 1))


def test_christmas_and_boxing_day_substitutes_are_skipped():
    # 25-26 Dec 2027 fall on a weekend: the substitute days are 27 and 28 December.
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= EW
    assert after_working_time(at(date(2027, 12, 24)), 1 * DAYS, EW) == at(date(2027, 12, 29))


def test_scotland_keeps_its_own_holidays():
    # 2 January is a bank holiday in Scotland only; in 2027 it falls on a Saturday, so
    # Scotland takes Monday 4 January instead.
    scotland = uk_bank_holidays("scotland")
    assert date(2027, 1, 4) in scotland and date(2027, 1, 4) not in EW
    friday = date(2027, 1, 1)
    assert after_working_time(at(friday), 1 * DAYS, scotland) == at(date(2027, 1, 5))
    assert after_working_time(at(friday), 1 * DAYS, EW) == at(date(2027, 1, 4))


def test_less_than_a_day_runs_on_the_wall_clock_even_at_the_weekend():
    saturday = at(date(2027, 3, 6))
    assert after_working_time(saturday, timedelta(seconds=30), EW) == saturday + timedelta(
        seconds=30)


def test_stage_times_count_reminder_due_and_expiry_in_working_days():
    sla = Sla(due_seconds=5 * 86400, reminder_fraction=0.5, expiry_factor=2.0, holidays=EW)
    times = stage_times(at(date(2027, 3, 5)), sla)  # a Friday
    assert times.reminder_at == at(date(2027, 3, 9), 22)  # 2 working days + 12 h
    assert times.due_at == at(date(2027, 3, 12))
    assert times.expires_at == at(date(2027, 3, 19))


def test_settings_give_each_stage_the_configured_divisions_holidays():
    settings = ApprovalSettings(sla_bank_holiday_division="scotland")
    assert settings.sla(ApprovalStage.LINE_MANAGER).holidays == uk_bank_holidays("scotland")
