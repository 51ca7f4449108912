"""HTTP request and response models of matching, with OpenAPI examples."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts import Clearance, Country, Grade, ITL2Region, Scheme, Sector, UKRegion, itl1_of

Skill = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


EXAMPLE = {"host_name": "Windco Ltd", "host_staff_count": 120, "host_sector": "clean_energy",
           "country": "GB", "region": "North West", "scheme": "industry",
           "title": "Offshore wind policy secondment", "sector": "clean_energy",
           "required_skills": ["policy"], "desired_skills": ["data"],
           "start_window_from": "2027-03-01", "start_window_to": "2027-06-30",
           "length_months": 6, "grade_min": "HEO", "grade_max": "G7",
           "clearance_needed": "BPSS", "capacity": 2, "closing_date": "2027-02-15"}


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    host_name: Name
    host_staff_count: int = Field(ge=1, le=10_000_000,
                                  description="Staff of the host organisation; a "
                                  "diplomatic-scheme host must have fewer than 250.")
    host_sector: Sector
    country: Country
    region: UKRegion | None = None
    itl2: ITL2Region | None = Field(default=None, description="ITL2 region code, e.g. TLD3 "
                                   "Greater Manchester; the ITL1 region follows from it.")
    bcc_chamber_id: Name | None = Field(default=None, description="Diplomatic scheme only.")
    scheme: Scheme
    title: Name
    description: str | None = Field(default=None, max_length=2000)
    sector: Sector
    required_skills: list[Skill] = Field(default_factory=list, max_length=50)
    desired_skills: list[Skill] = Field(default_factory=list, max_length=50)
    start_window_from: date
    start_window_to: date
    length_months: int = Field(ge=1, le=12)
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    clearance_needed: Clearance = Clearance.NONE
    capacity: int = Field(ge=1, le=1000)
    closing_date: date

    @model_validator(mode="after")
    def _itl1_from_itl2(self) -> _Fields:
        if self.itl2 is not None and self.region is None:
            self.region = itl1_of(self.itl2)  # captured once; the event checks they agree
        return self


class OpportunityIn(_Fields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})


class OpportunityPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"capacity": 3, "closing_date": "2027-02-20"}]})
    host_name: Name | None = None
    host_staff_count: int | None = Field(default=None, ge=1, le=10_000_000)
    host_sector: Sector | None = None
    country: Country | None = None
    region: UKRegion | None = None
    itl2: ITL2Region | None = None
    bcc_chamber_id: Name | None = None
    title: Name | None = None
    description: str | None = Field(default=None, max_length=2000)
    sector: Sector | None = None
    required_skills: list[Skill] | None = Field(default=None, max_length=50)
    desired_skills: list[Skill] | None = Field(default=None, max_length=50)
    start_window_from: date | None = None
    start_window_to: date | None = None
    length_months: int | None = Field(default=None, ge=1, le=12)
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    clearance_needed: Clearance | None = None
    capacity: int | None = Field(default=None, ge=1, le=1000)
    closing_date: date | None = None


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "filled outside the scheme"}]})
    reason: str | None = Field(default=None, min_length=1, max_length=200)


class OpportunityOut(BaseModel):
    opportunity_id: uuid.UUID
    host_org_id: str
    status: str
    capacity: int
    places_held: int
    proposals_made: int
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> OpportunityOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class CandidateOut(BaseModel):
    match_id: uuid.UUID
    application_id: uuid.UUID
    opportunity_id: uuid.UUID
    applicant_id: str
    score: float
    status: str
    release_reason: str | None
    round_id: uuid.UUID | None
    explanation: dict[str, Any]
    placement_id: uuid.UUID | None = Field(
        default=None, description="the placement it became, once confirmed")
    created_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> CandidateOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class MinimumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dimension: Literal["region", "sector"]
    value: str = Field(description="an ITL1 region or a country code (region), or a sector")
    share: float = Field(gt=0, le=1, description="minimum share of the round's matches")

    @model_validator(mode="after")
    def _known_value(self) -> MinimumIn:
        known = ({s.value for s in Sector} if self.dimension == "sector"
                 else {r.value for r in UKRegion} | {c.value for c in Country})
        if self.value not in known:
            raise ValueError(f"value: {self.value!r} is not a known {self.dimension}")
        return self


class RoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {}, {"minimum_shares": [{"dimension": "region", "value": "North West", "share": 0.1},
                                {"dimension": "sector", "value": "clean_energy", "share": 0.2}]}]})
    minimum_shares: list[MinimumIn] = Field(default_factory=list, max_length=40)

    @model_validator(mode="after")
    def _shares_fit(self) -> RoundIn:
        for dim in ("region", "sector"):
            if sum(m.share for m in self.minimum_shares if m.dimension == dim) > 1 + 1e-9:
                raise ValueError(f"minimum_shares: {dim} shares add up to more than 1")
        return self


class RoundOut(BaseModel):
    round_id: uuid.UUID
    requested_by: str
    params: dict[str, Any]
    report: dict[str, Any] | None
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> RoundOut:
        return cls(**dict(row))
