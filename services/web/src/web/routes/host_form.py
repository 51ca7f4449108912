"""The host's opportunity form: reading it into the matching API's body, and the API's body
back into the form. Only form concerns here (a real date, a whole number); the rules (the
250-staff limit, windows, closing dates) are the matching API's, shown from its 422."""

from __future__ import annotations

from datetime import date
from typing import Any

from web.domain import date_parts, lines, read_date
from web.messages import Problem, label
from web.pages import Posted

DATES = ("start_window_from", "start_window_to", "closing_date")
NUMBERS = ("host_staff_count", "length_months", "capacity")
TEXTS = ("title", "host_name", "country", "bcc_chamber_id", "description")
CHOICES = ("scheme", "sector", "host_sector", "region", "clearance_needed")
ORDER = ["title", "description", "scheme", "host_name", "host_staff_count", "host_sector",
         "country", "region", "bcc_chamber_id", "sector", "required_skills", "start_window_from",
         "start_window_to", "length_months", "capacity", "clearance_needed", "closing_date"]
# The form's words for fields the shared labels do not name.
LABELS = {"host_staff_count": "Number of staff", "host_name": "Organisation name",
          "host_sector": "Your organisation's sector", "bcc_chamber_id": "Chamber of commerce",
          "title": "Title", "description": "Description", "required_skills": "Skills needed",
          "start_window_from": "Earliest start date", "start_window_to": "Latest start date",
          "closing_date": "Closing date", "length_months": "Length of placement",
          "capacity": "Number of places", "clearance_needed": "Security clearance needed",
          "sector": "Sector of the placement", "region": "UK region", "scheme": "Scheme"}


def relabel(problems: list[Problem]) -> list[Problem]:
    """Problems worded with the generic label ('Host staff count') get the form's label."""
    out = []
    for p in problems:
        words = LABELS.get(p.field or "")
        message = p.message
        if words and words.lower() not in message.lower():
            generic = label(p.field)
            message = message.replace(generic, words).replace(generic.lower(), words.lower())
        out.append(Problem(p.field, message))
    return out


def read_number(form: Posted, name: str) -> tuple[int | None, Problem | None]:
    raw, what = form.get(name), LABELS[name]
    if not raw:
        return None, Problem(name, f"Enter the {what.lower()}")
    if not raw.isdigit():
        return None, Problem(name, f"{what} must be a whole number, like 6")
    return int(raw), None


def read_opportunity(form: Posted, editing: bool) -> tuple[dict[str, Any], list[Problem]]:
    """The API body (dates as ISO strings, for the session draft) and the form's problems."""
    problems = list(form.too_long())
    body: dict[str, Any] = {}
    for name in TEXTS:
        body[name] = form.get(name) or None
    body["country"] = (body["country"] or "GB").upper()
    for name in CHOICES:
        body[name] = form.get(name) or None
    if editing:
        body.pop("scheme")
    body["clearance_needed"] = body["clearance_needed"] or "none"
    body["required_skills"] = lines(form.get("required_skills"))
    for name in ("title", "host_name"):
        if not body[name]:
            problems.append(Problem(name, f"Enter the {LABELS[name].lower()}"))
    for name, message in (("scheme", "Select the scheme"),
                          ("sector", "Select the sector of the placement"),
                          ("host_sector", "Select your organisation's sector")):
        if name in body and not body[name]:
            problems.append(Problem(name, message))
    for name in NUMBERS:
        body[name], bad = read_number(form, name)
        problems += [bad] if bad else []
    for name in DATES:
        day, bad = read_date(form, name)
        body[name] = day.isoformat() if day else None
        problems += [bad] if bad else []
    # The error summary lists problems in the order of the fields on the page.
    return body, sorted(problems, key=lambda p: ORDER.index(p.field) if p.field in ORDER else 0)


def as_values(data: dict[str, Any]) -> dict[str, Any]:
    """An API body (or draft) -> the form's values."""
    values = {k: v for k, v in data.items() if k not in DATES}
    values["required_skills"] = "\n".join(data.get("required_skills") or [])
    for name in DATES:
        values[name] = date_parts(data.get(name))
    return values


def editable(body: dict[str, Any]) -> dict[str, Any]:
    """What PATCH may change: everything but the scheme, empty optional fields left out."""
    return {k: v for k, v in body.items() if k != "scheme" and (
        v is not None or k in ("region", "bcc_chamber_id", "description"))}


def humane_date(value: str | date | None) -> str:
    if not value:
        return ""
    d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{d.day} {d.strftime('%B %Y')}"
