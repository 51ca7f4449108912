"""HTTP request and response models, with OpenAPI examples for each scheme."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from contracts.events.applications import DeclaredInterest, Email
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from contracts import (
    ApplicantKind,
    AskedAtApplication,
    Baseline,
    Clearance,
    Country,
    Grade,
    HomeRegion,
    Scheme,
    Sector,
    UKRegion,
)

Label = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]

PROFILE_EXAMPLES = {
    "civil servant (industry scheme)": {"value": {
        "kind": "civil_servant", "name": "Asha Patel", "email": "asha.patel@dbt.gov.uk",
        "organisation_id": "dept-dbt", "grade": "G7", "profession": "Policy",
        "line_manager_id": "manager-1", "skills": ["trade policy", "negotiation"],
        "sectors": ["clean_energy"], "preferred_regions": ["North West"],
        "available_from": "2027-01-01", "available_until": "2027-12-31",
        "declared_interests": [{"organisation_name": "WindCo Ltd", "kind": "procurement"}]}},
    "industry professional (government scheme)": {"value": {
        "kind": "industry_professional", "name": "Ben Okafor", "email": "ben@acme.example",
        "organisation_id": "emp-acme", "role": "Head of Data", "clearance_held": "BPSS",
        "skills": ["data engineering"], "sectors": ["digital_and_technologies"],
        "preferred_regions": ["London", "Scotland"]}},
    "diplomat (diplomatic scheme)": {"value": {
        "kind": "diplomat", "name": "Claire Dubois", "email": "claire.dubois@fcdo.gov.uk",
        "organisation_id": "post-paris", "grade": "SEO", "skills": ["market access"],
        "sectors": ["creative_industries"], "preferred_countries": ["FR", "BE"]}},
}
APPLICATION_EXAMPLES = {
    "industry scheme (civil servant)": {"value": {
        "scheme": "industry", "sectors": ["clean_energy"], "preferred_regions": ["North West"],
        "earliest_start": "2027-04-01", "desired_length_months": 6,
        "home_region": {"itl1": "North West", "itl2": "TLD3", "basis": "home"},
        "baseline": {"skills_confidence": {"commercial_awareness": 2,
                                           "working_across_sectors": 3, "leading_change": 3},
                     "intention": "undecided"},
        "follow_up_consent": True}},
    "government scheme (industry professional)": {"value": {
        "scheme": "government", "sectors": ["digital_and_technologies"],
        "preferred_regions": ["London"], "earliest_start": "2027-05-03",
        "desired_length_months": 12}},
    "diplomatic scheme (FCDO diplomat, one opportunity)": {"value": {
        "scheme": "diplomatic", "preferred_countries": ["FR"], "earliest_start": "2027-03-01",
        "desired_length_months": 3, "opportunity_id": "00000000-0000-4000-8000-00000000b001"}},
}


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ApplicantKind
    name: Label = Field(description="Personal data.")
    email: Email = Field(description="Personal data.")
    organisation_id: Id = Field(description="Department (civil servant), employer (industry "
                                            "professional) or FCDO post (diplomat).")
    grade: Grade | None = Field(default=None, description="Civil servants and diplomats.")
    profession: Label | None = Field(default=None, description="Civil servants.")
    role: Label | None = Field(default=None, description="Industry professionals' job role.")
    clearance_held: Clearance = Clearance.NONE
    skills: list[Label] = Field(default_factory=list, max_length=50)
    sectors: list[Sector] = Field(default_factory=list, max_length=8)
    preferred_regions: list[UKRegion] = Field(default_factory=list, max_length=12)
    preferred_countries: list[Country] = Field(default_factory=list, max_length=50)
    available_from: date | None = None
    available_until: date | None = None
    line_manager_id: Id | None = Field(default=None, description="Civil servants.")
    declared_interests: list[DeclaredInterest] = Field(
        default_factory=list, max_length=50,
        description="Organisations you have had dealings with (procurement, regulation, "
                    "policy) in the last two years.")


class ProfileOut(ProfileIn):
    model_config = ConfigDict(extra="ignore")

    id: str
    created_at: datetime
    updated_at: datetime


class ApplicationIn(AskedAtApplication):
    """Outcome measurement's questions (AskedAtApplication) are optional: older clients still
    apply without them."""

    model_config = ConfigDict(extra="forbid")

    scheme: Scheme
    sectors: list[Sector] | None = Field(default=None, max_length=8,
                                         description="Defaults to your profile's sectors.")
    preferred_regions: list[UKRegion] | None = Field(default=None, max_length=12)
    preferred_countries: list[Country] | None = Field(default=None, max_length=50)
    earliest_start: date
    desired_length_months: int = Field(description="1 to 12 months.")
    opportunity_id: UUID | None = Field(default=None,
                                        description="Apply to one published opportunity.")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason | None = None


class Awaiting(BaseModel):
    what: str
    from_: str | None = Field(default=None, alias="from", serialization_alias="from")

    model_config = ConfigDict(populate_by_name=True)


class ApplicationOut(BaseModel):
    id: UUID
    applicant_id: str
    scheme: Scheme
    status: str
    awaiting: Awaiting | None
    sectors: list[Sector]
    preferred_regions: list[UKRegion]
    preferred_countries: list[Country]
    earliest_start: date
    desired_length_months: int
    opportunity_id: UUID | None
    home_region: HomeRegion | None = None
    baseline: Baseline | None = None
    follow_up_consent: bool | None = None
    created_at: datetime
    updated_at: datetime


class ApplicationPage(BaseModel):
    items: list[ApplicationOut]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class ProfileSaved:
    profile: ProfileOut
    created: bool


@dataclass(frozen=True)
class Submitted:
    application: ApplicationOut
    replayed: bool = False  # an earlier request with the same Idempotency-Key made it


class ApplicationQuery(BaseModel):
    """Filters of GET /applications; applicant_id is heeded for central HR only."""

    status: str | None = None
    scheme: Scheme | None = None
    applicant_id: str | None = None
    limit: int = 50
    offset: int = 0


class TimelineEntry(BaseModel):
    at: datetime
    event_type: str
    summary: str
    status: str | None
    awaiting: Awaiting | None


def awaiting(what: str | None, who: str | None) -> Awaiting | None:
    return Awaiting(what=what, from_=who) if what else None


def profile_out(row) -> ProfileOut:
    return ProfileOut.model_validate(dict(row))


def application_out(row) -> ApplicationOut:
    data = dict(row)
    return ApplicationOut(**data, awaiting=awaiting(row["awaiting_what"], row["awaiting_from"]))


def timeline_out(row) -> TimelineEntry:
    return TimelineEntry(at=row["occurred_at"], event_type=row["event_type"],
                         summary=row["summary"], status=row["status"],
                         awaiting=awaiting(row["awaiting_what"], row["awaiting_from"]))
