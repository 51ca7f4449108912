"""Request bodies people typically send, as the services' own request models: a profile of each
kind, an application, an opportunity of each scheme. Every argument after the essentials is a
field of the model, so a caller states only what makes its case different; a wrong field name
or value fails here, in the test, before anything is sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from testkit.models import ApplicationIn, OpportunityIn, ProfileIn

SCHEME_OF = {"civil_servant": "industry", "industry_professional": "government",
             "diplomat": "diplomatic"}
KIND_OF = {scheme: kind for kind, scheme in SCHEME_OF.items()}
EMAIL_DOMAIN = {"civil_servant": "civilservice.example", "industry_professional":
                "industry.example", "diplomat": "fcdo.example"}
# What each kind must say about itself (applicant.domain.REQUIRED_BY_KIND), bar its
# organisation and (civil servants) line manager, which callers always choose.
KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    "civil_servant": {"grade": "G7", "profession": "Policy"},
    "industry_professional": {"role": "Head of Data", "clearance_held": "BPSS"},
    "diplomat": {"grade": "SEO"},
}
# Where each scheme's hosts are: UK businesses and departments, SMEs abroad (< 250 staff).
SCHEME_DEFAULTS: dict[str, dict[str, Any]] = {
    "industry": {"country": "GB", "region": "North West", "host_staff_count": 400},
    "government": {"country": "GB", "region": "London", "host_staff_count": 2000},
    "diplomatic": {"country": "FR", "host_staff_count": 40},
}


def profile(kind: str, sub: str, organisation_id: str, **fields: Any) -> ProfileIn:
    """`kind`'s profile for user `sub`, with a name and an address made from `sub`."""
    words = kind.replace("_", " ").capitalize()
    return ProfileIn(**{"kind": kind, "name": f"{words} {sub}",
                        "email": f"{sub}@{EMAIL_DOMAIN[kind]}",
                        "organisation_id": organisation_id, **KIND_DEFAULTS[kind], **fields})


def application(scheme: str, earliest_start: date | str, months: int = 6,
                **fields: Any) -> ApplicationIn:
    return ApplicationIn(scheme=scheme, earliest_start=earliest_start,
                         desired_length_months=months, **fields)


def opportunity(scheme: str, title: str, opens: date | str, until: date | str,
                closing: date | str, **fields: Any) -> OpportunityIn:
    """An opportunity of `scheme` whose start window is `opens`..`until`, open to
    applications until `closing`. Sector and host sector default to clean energy."""
    sector = fields.pop("sector", "clean_energy")
    values = {"host_name": f"Host of {title}", "host_sector": sector, "sector": sector,
              "scheme": scheme, "title": title, "start_window_from": opens,
              "start_window_to": until, "closing_date": closing, "length_months": 6,
              "capacity": 1, **SCHEME_DEFAULTS[scheme], **fields}
    return OpportunityIn(**values)
