"""Reading GOV.UK form inputs into API values. Only the form's own concerns live here (is
this a real date, a whole number); every business rule stays in the services' APIs."""

from __future__ import annotations

from datetime import date
from typing import Any

from web.messages import Problem, label
from web.pages import Posted


def read_date(form: Posted, name: str, required: bool = True
              ) -> tuple[date | None, Problem | None]:
    """A GOV.UK date input (name-day, name-month, name-year) with its error messages."""
    parts = {p: form.get(f"{name}-{p}") for p in ("day", "month", "year")}
    what = label(name)
    if not any(parts.values()):
        return None, Problem(name, f"Enter {what.lower()}") if required else None
    missing = [p for p, v in parts.items() if not v]
    if missing:
        return None, Problem(name, f"{what} must include a {' and '.join(missing)}")
    if not all(v.isdigit() for v in parts.values()):
        return None, Problem(name, f"{what} must be a real date")
    if len(parts["year"]) != 4:
        return None, Problem(name, "Year must include 4 numbers")
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), None
    except ValueError:
        return None, Problem(name, f"{what} must be a real date")


def date_parts(value: Any) -> dict[str, str]:
    """An ISO date (from an API or a draft) as the three boxes' values."""
    if not value:
        return {}
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)}


def read_whole_number(form: Posted, name: str) -> tuple[int | None, Problem | None]:
    raw = form.get(name)
    what = label(name)
    if not raw:
        return None, Problem(name, f"Enter {what.lower()}")
    if not raw.isdigit():
        return None, Problem(name, f"{what} must be a whole number of months, like 6")
    return int(raw), None


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


INTEREST_ROWS = 3


def read_interests(form: Posted) -> tuple[list[dict[str, str]], list[Problem]]:
    """Up to three declared interests: an organisation's name and the kind of dealings."""
    interests, problems = [], []
    for i in range(1, INTEREST_ROWS + 1):
        name, kind = form.get(f"interest-{i}-name"), form.get(f"interest-{i}-kind")
        if not name and not kind:
            continue
        if not name:
            problems.append(Problem(f"interest-{i}-name",
                                    f"Enter the name of organisation {i}"))
        elif not kind:
            problems.append(Problem(f"interest-{i}-kind",
                                    f"Select what kind of dealings you had with {name}"))
        else:
            interests.append({"organisation_name": name, "kind": kind})
    return interests, problems
