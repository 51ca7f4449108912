"""Outcome measurement rules (pure): when follow-ups fall due, when to remind, when they lapse,
and which events put an application into the placed or the comparison cohort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from contracts import (
    Cohort,
    Event,
    FollowUpKind,
    LeftBecause,
    MatchProposed,
    NoMatchFound,
    PlacementEnded,
    PlacementRejected,
    PlacementStarted,
    RejectionReason,
)

# The invitation goes on the due day; reminders after 14 and 28 days; unanswered 42 days
# after the due day, the follow-up lapses (recorded as a non-response, never asked again).
REMINDER_DAYS = (14, 28)
LAPSE_DAYS = 42
# Timers fire at 09:00 UTC, so nobody is emailed at midnight.
SEND_AT = time(9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    kind: FollowUpKind
    due_on: date
    answer_by: date


def schedules(left_on: date) -> list[Schedule]:
    """The 6- and 12-month follow-ups of someone who left the scheme on `left_on`."""
    out = []
    for kind in FollowUpKind:
        due = left_on + relativedelta(months=int(kind))
        out.append(Schedule(kind, due, due + timedelta(days=LAPSE_DAYS)))
    return out


def at_send_time(day: date) -> datetime:
    return datetime.combine(day, SEND_AT)


def next_moment(due_on: date, attempts_made: int) -> datetime:
    """When the timer fires next after `attempts_made` emails: a reminder, or the lapse."""
    offsets = (0, *REMINDER_DAYS)
    if attempts_made < len(offsets):
        return at_send_time(due_on + timedelta(days=offsets[attempts_made]))
    return at_send_time(due_on + timedelta(days=LAPSE_DAYS))


def max_attempts() -> int:
    return 1 + len(REMINDER_DAYS)


@dataclass(frozen=True)
class Leaving:
    """An application leaving the scheme: the cohort it joins, why, and on which day."""

    cohort: Cohort
    because: LeftBecause
    on: date


def leaving(event: Event) -> Leaving | None:
    """What an event means for outcome measurement: leaving (placed or not), or None."""
    if isinstance(event, PlacementEnded):
        return Leaving(Cohort.PLACED, LeftBecause.PLACEMENT_ENDED, event.ended_on)
    if isinstance(event, NoMatchFound):
        return Leaving(Cohort.COMPARISON, LeftBecause.UNMATCHED, event.occurred_at.date())
    if isinstance(event, PlacementRejected) and event.reason == RejectionReason.REFUSED:
        return Leaving(Cohort.COMPARISON, LeftBecause.REFUSED, event.occurred_at.date())
    return None


def withdrawal(on: date) -> Leaving:
    return Leaving(Cohort.COMPARISON, LeftBecause.WITHDRAWN, on)


def back_in_process(event: Event) -> bool:
    """A new match or a started placement: the comparison follow-ups not yet asked stop
    (the person is back in the process; a placement's end will time them afresh)."""
    return isinstance(event, MatchProposed | PlacementStarted)
