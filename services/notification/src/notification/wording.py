"""How messages put things in words: dates as "5 January 2027", approval stages and schemes in
plain English, free text with any raw id or machine timestamp taken out. Pure, no I/O: the
template filters (templates.py) are these functions."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

# Dates are the ones a person in the UK sees on their calendar: a deadline at 23:30 UTC on
# 31 March is already 1 April in London during summer time.
UK = ZoneInfo("Europe/London")

STAGES = {
    "line_manager": "line manager approval",
    "departmental_hr": "departmental HR approval",
    "conflict_of_interest": "conflict of interest check",
    "host_acceptance": "host acceptance",
    "releasing_employer": "releasing employer approval",
    "host_department": "host department approval",
    "security_vetting": "security vetting",
    "fcdo_post": "FCDO post approval",
    "bcc_endorsement": "British Chambers of Commerce endorsement",
    "sme_acceptance": "host business acceptance",
}

SCHEMES = {
    "industry": "industry placement scheme",
    "government": "government placement scheme",
    "diplomatic": "Diplomatic Advisory Hub",
}

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                     r"[0-9a-fA-F]{12}")
# 2027-01-05, 2027-01-05T09:30:00, with optional fraction and offset.
ISO_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                    r"(?:Z|[+-]\d{2}:?\d{2})?)?\b")
# Links carry ids (the page they open needs one); only what a person reads must not.
URL_RE = re.compile(r"https?://\S+")


def day(value: date | datetime | str | None) -> str:
    """'5 January 2027': no leading zero, month in full. Times become their UK calendar day."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = (value.astimezone(UK) if value.tzinfo else value).date()
    return f"{value.day} {value:%B %Y}"


def stage(value: str | None) -> str:
    if not value:
        return "approval"
    return STAGES.get(str(value), str(value).replace("_", " "))


def scheme(value: str | None) -> str:
    return SCHEMES.get(str(value), f"{value} placement scheme") if value else "placement scheme"


def human(value: Any) -> str:
    return str(value).replace("_", " ")


def months(value: int | str) -> str:
    n = int(value)
    return f"{n} month" if n == 1 else f"{n} months"


def _iso_in_words(found: re.Match[str]) -> str:
    try:
        return day(found.group(0))
    except ValueError:
        return found.group(0)


def plain(value: Any) -> str:
    """Free text from another service (a refusal reason, an error) without raw ids or machine
    timestamps: ids become "[id]", timestamps their day in words."""
    return ISO_RE.sub(_iso_in_words, UUID_RE.sub("[id]", str(value)))


def machine_marks(text: str) -> list[str]:
    """Raw ids and ISO timestamps a reader would see in `text` (links aside). Tests use it."""
    readable = URL_RE.sub("", text)
    return UUID_RE.findall(readable) + [m.group(0) for m in ISO_RE.finditer(readable)]


# Who the applicant is, in a message to someone else, when their name is not known here.
SOMEONE = "the applicant"


def placement(opp: dict[str, Any] | None, sector: str | None) -> str:
    """The placement a message is about: its title and host when known, else its sector."""
    if opp:
        return f"{opp['title']} at {opp['host']}"
    return f"a {human(sector)} placement" if sector else "a placement"


def words_for(event: dict[str, Any], opp: dict[str, Any] | None, applicant: str
              ) -> dict[str, Any]:
    """What every template may use besides the event itself (`e`) and the recipient's name."""
    return {"opp": opp, "applicant": applicant,
            "placement": placement(opp, event.get("sector")),
            "host": opp["host"] if opp else "host organisation"}
