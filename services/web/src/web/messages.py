"""API error answers in plain English, pinned to the form field they concern.

The services answer {"detail": "earliest_start must be in the future ...", "field": ...} for a
broken rule, or FastAPI's list of pydantic errors for a malformed value. Either way the person
reads the field's label, not its API name, and never JSON."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from web.dates import long_date

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
    "kind": "Type of applicant", "country": "Country",
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
    text = _ISO_DAY.sub(lambda m: long_date(m.group(0)), text)  # people read dates in words
    return text[:1].upper() + text[1:]


_IDENT = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b(?![T\d:])")


# pydantic's messages, as the services pass them on, in GOV.UK words: {name} is the field's
# label, {lower} the same in lower case, {0} what the message's number or value was.
_PYDANTIC = [(re.compile(pattern), words) for pattern, words in {
    r"String should have at least 1 character|Field required": "Enter {lower}",
    r"String should have at most (\d+) characters?": "{name} must be {0} characters or fewer",
    r"Input should be less than or equal to (\S+)": "{name} must be {0} or less",
    r"Input should be greater than or equal to (\S+)": "{name} must be {0} or more",
    r"List should have at most (\d+) items?": "{name} can have at most {0} entries",
    r"Input should be '|Input should be a valid enumeration": "Select {lower} from the list",
    r"not a valid email address|valid email":
        "Enter an email address in the correct format, like name@example.com",
    r"Input should be a valid date|Input should be a valid integer":
        "{name} is not in the right format",
}.items()]


def translate(field: str | None, message: str) -> Problem:
    """One API problem -> the form field it concerns and what to tell the person."""
    top = field.split(".")[0] if field else None
    name = label(top)
    if top in ("country", "preferred_countries") and "Input should be" in message:
        return Problem(top, f"{name} must be two-letter country codes, like FR or DE")
    for pattern, words in _PYDANTIC:
        found = pattern.search(message)
        if found:
            return Problem(top, words.format(*found.groups(), name=name, lower=name.lower()))
    return Problem(top, plain(top, message.removeprefix("Value error, ")))


def _from_pydantic(error: dict[str, Any]) -> Problem:
    loc = [str(p) for p in error.get("loc", []) if p not in ("body", "query", "path")]
    return translate(".".join(loc) or None, str(error.get("msg", "is not valid")))


def problems_of(body: Any) -> list[Problem]:
    if not isinstance(body, dict):
        return [Problem(None, "The service could not accept your answers. Check them and "
                              "try again.")]
    detail, listed = body.get("detail"), body.get("errors")
    if isinstance(listed, list) and listed:  # the platform's shape, every problem listed
        return [translate(e.get("field") or None, str(e.get("message", "")))
                for e in listed if isinstance(e, dict)]
    if isinstance(detail, list):  # FastAPI's own shape
        return [_from_pydantic(e) for e in detail if isinstance(e, dict)] or problems_of({})
    if isinstance(detail, str):
        field = body.get("field")
        if field and detail.startswith(f"{field}: "):
            detail = detail[len(field) + 2:]
        return [translate(field, detail)]
    return problems_of(None)
