"""API error answers in plain English, pinned to the form field they concern.

The services answer {"detail": "earliest_start must be in the future ...", "field": ...} for a
broken rule, or FastAPI's list of pydantic errors for a malformed value. Either way the person
reads the field's label, not its API name, and never JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LABELS = {
    "name": "Full name", "email": "Email address", "organisation_id": "Organisation",
    "grade": "Grade", "profession": "Profession", "role": "Job role",
    "clearance_held": "Security clearance", "line_manager_id": "Line manager",
    "skills": "Skills", "sectors": "Sectors", "preferred_regions": "Preferred regions",
    "preferred_countries": "Preferred countries", "available_from": "Available from date",
    "available_until": "Available until date", "declared_interests": "Declared interests",
    "organisation_name": "Organisation name", "scheme": "Scheme",
    "earliest_start": "Earliest start date", "desired_length_months": "Length of placement",
    "opportunity_id": "Opportunity", "reason": "Reason", "status": "Application",
    "kind": "Type of applicant",
}

# GOV.UK date inputs: their error links go to the day box.
DATE_FIELDS = {"earliest_start", "available_from", "available_until", "starts_after",
               "starts_before"}


@dataclass(frozen=True)
class Problem:
    field: str | None
    message: str


def label(field: str | None) -> str:
    return LABELS.get(field or "", (field or "Your answer").replace("_", " ").capitalize())


def plain(field: str | None, message: str) -> str:
    """'earliest_start must be ...' -> 'Earliest start date must be ...'."""
    text = message
    if field and text.startswith(field + " "):
        text = label(field) + text[len(field):]
    text = _IDENT.sub(lambda m: LABELS.get(m.group(0), m.group(0)).lower(), text)
    return text[:1].upper() + text[1:]


_IDENT = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _from_pydantic(error: dict[str, Any]) -> Problem:
    loc = [p for p in error.get("loc", []) if isinstance(p, str) and p not in ("body", "query")]
    field = loc[0] if loc else None
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    name = label(field)
    words = {
        "missing": f"Enter {name.lower()}",
        "string_too_long": f"{name} must be {ctx.get('max_length')} characters or fewer",
        "string_too_short": f"Enter {name.lower()}",
        "too_long": f"{name} can have at most {ctx.get('max_length')} entries",
        "less_than_equal": f"{name} must be {ctx.get('le')} or less",
        "greater_than_equal": f"{name} must be {ctx.get('ge')} or more",
        "enum": f"Select a {name.lower()} from the list",
        "literal_error": f"Select a {name.lower()} from the list",
        "value_error": f"{name}: {str(error.get('msg', '')).removeprefix('Value error, ')}",
    }.get(kind, f"{name}: {error.get('msg', 'is not valid')}")
    return Problem(field, words)


def problems_of(body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return [Problem(None, "The service could not accept your answers. Check them and "
                              "try again.")]
    detail = body.get("detail")
    if isinstance(detail, list):
        return [_from_pydantic(e) for e in detail if isinstance(e, dict)] or problems_of({})
    if isinstance(detail, str):
        return [Problem(body.get("field"), plain(body.get("field"), detail))]
    return problems_of(None)
