"""Dates and times as people read them on GOV.UK pages: "5 January 2027", "5 January 2027 at
2:30pm" (UK time), never an ISO timestamp."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def _moment(value: Any) -> date | datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).replace("Z", "+00:00")
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def _uk(value: Any) -> date | datetime | None:
    moment = _moment(value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment.astimezone(UK)
    return moment


def long_date(value: Any) -> str:
    """'2027-01-05' or a timestamp -> '5 January 2027' (a timestamp's day in the UK)."""
    moment = _uk(value)
    return "" if moment is None else f"{moment.day} {moment:%B %Y}"


def long_datetime(value: Any) -> str:
    """A timestamp -> '5 January 2027 at 2:30pm' in UK time (GOV.UK's style for times)."""
    moment = _uk(value)
    if not isinstance(moment, datetime):
        return long_date(moment)
    hour = moment.hour % 12 or 12
    return f"{long_date(moment)} at {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


DUE_TAGS = {"overdue": {"text": "Overdue", "classes": "govuk-tag--red"},
            "due_soon": {"text": "Due soon", "classes": "govuk-tag--orange"}}


def due_tag(state: str | None) -> dict[str, str] | None:
    """The task's deadline as a GOV.UK tag; none while it is on time."""
    return DUE_TAGS.get(state or "")
