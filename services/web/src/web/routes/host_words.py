"""A proposal's explanation and a placement's 12 months, in words for the host (no raw scores
or ids). Display only: matching and approval hold the rules and enforce them."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

HOST_STAGES = ("host_acceptance", "host_department", "sme_acceptance")
STAGE_WORDS = {"line_manager": "their line manager's approval",
               "departmental_hr": "their department's HR approval",
               "conflict_of_interest": "the conflict of interest check",
               "host_acceptance": "your acceptance", "host_department": "your acceptance",
               "sme_acceptance": "your acceptance",
               "releasing_employer": "their employer's agreement to release them",
               "security_vetting": "security vetting", "fcdo_post": "their FCDO post's approval",
               "bcc_endorsement": "the chamber of commerce's endorsement"}
MAX_MONTHS = 12


def _skills(raw: float) -> str:
    if raw >= 0.999:
        return "Has all the skills you asked for"
    return "Has some of the skills you asked for" if raw > 0 else (
        "Has none of the skills you listed")


FACTOR_WORDS = {
    "skills": _skills,
    "sector": lambda r: "Wants to work in this sector" if r >= 0.999 else (
        "Did not say which sectors they prefer" if r > 0 else "Prefers other sectors"),
    "location": lambda r: "Wants to work in this place" if r >= 0.999 else (
        "Did not say where they prefer to work" if r > 0 else "Prefers other places"),
    "grade": lambda r: "Their grade is in the range you asked for" if r >= 0.999 else
    "Their grade is outside the range you asked for",
    "start": lambda r: "Can start when your start window opens" if r >= 0.999 else
    "Would wait a while after they are free to start",
}
CHECK_WORDS = {"scheme": "Applied to this scheme",
               "applicant_kind": "Is the kind of applicant this scheme is for",
               "conflict_of_interest": "Has declared no dealings with your organisation",
               "clearance": "Holds the security clearance needed (or can be vetted for it)",
               "availability": "Can start within your start window",
               "length": "Wants a placement of about the length you offer",
               "capacity": "You had a place left", "applied_to": "Applied for this opportunity"}


def explanation_words(explanation: dict[str, Any]) -> dict[str, list[str]]:
    """Strongest reasons first; the checks every proposal passed, as sentences."""
    factors = sorted(explanation.get("factors") or [],
                     key=lambda f: -(f.get("contribution") or 0))
    fits = [FACTOR_WORDS[f["name"]](f.get("raw_score") or 0) for f in factors
            if f.get("name") in FACTOR_WORDS]
    checks = [CHECK_WORDS[c["name"]] for c in explanation.get("filters_checked") or []
              if c.get("passed") and c.get("name") in CHECK_WORDS]
    return {"fits": fits, "checks": checks}


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def time_left(start: date, end: date) -> dict[str, Any]:
    """How much of the 12 months from the start is still free after the current end date."""
    latest = add_months(start, MAX_MONTHS)
    months = 0
    while add_months(end, months + 1) <= latest:
        months += 1
    days = (latest - add_months(end, months)).days
    parts = [f"{months} month{'s' * (months != 1)}"] if months else []
    parts += [f"{days} day{'s' * (days != 1)}"] if days or not months else []
    return {"latest": latest, "words": " and ".join(parts), "none": end >= latest}
