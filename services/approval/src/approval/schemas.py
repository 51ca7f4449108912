"""HTTP request and response models of approval, with OpenAPI examples."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from contracts import FeedbackAnswers, FeedbackParty, pii_field

Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class StageOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    application_id: uuid.UUID
    opportunity_id: uuid.UUID
    applicant_id: str
    scheme: str
    host_org_id: str
    stage: str
    position: int
    status: str
    case_status: str
    approver_role: str
    approver_org_id: str | None
    approver_id: str | None
    opened_at: datetime
    due_at: datetime
    escalated: bool
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    note: str | None
    mitigation: str | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> StageOut:
        return cls(**{k: row[k] for k in cls.model_fields if k != "escalated"},
                   escalated=row["escalated_at"] is not None)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "grant", "note": "fine by me"},
        {"decision": "refuse", "reason": "business need: the team is short-staffed"},
        {"decision": "grant", "mitigation": "recused from the Acme procurement board"},
        {"decision": "decline", "reason": "no desk until the spring"}]})
    decision: Literal["grant", "refuse", "accept", "decline"] = Field(
        description="grant/refuse; hosts may say accept/decline (same meaning)")
    reason: Reason | None = Field(default=None, description="required when refusing")
    note: Reason | None = None
    mitigation: Reason | None = Field(
        default=None, description="conflict_of_interest stage only: the agreed mitigation")


class PlacementOut(BaseModel):
    id: uuid.UUID
    application_id: uuid.UUID
    match_id: uuid.UUID
    opportunity_id: uuid.UUID
    applicant_id: str
    host_org_id: str
    organisation_id: str
    scheme: str
    sector: str
    country: str
    region: str | None
    status: str
    start_date: date
    end_date: date
    started_on: date | None
    ended_on: date | None
    outcome: str | None
    ended_by: str | None
    end_reason: str | None
    host_rating: int | None
    placee_rating: int | None
    skills_gained: list[str]
    feedback_given: list[FeedbackParty] = Field(
        description="the parties that have given their feedback (each gives it once)")

    @classmethod
    def of(cls, row: asyncpg.Record) -> PlacementOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class StartIn(BaseModel):
    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"started_on": "2027-01-04"}]})
    started_on: date | None = Field(default=None, description="defaults to today")


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"new_end_date": "2027-10-04"}]})
    new_end_date: date


class EndIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "completed", "ended_on": "2027-07-04", "host_rating": 5, "placee_rating": 4,
        "skills_gained": ["offshore wind economics"]}]})
    outcome: Literal["completed", "ended_early"]
    reason: Reason | None = Field(default=None, description="required when ending early")
    ended_on: date | None = Field(default=None, description="defaults to today")
    host_rating: int | None = Field(default=None, ge=1, le=5, description=(
        "the host's own rating: recorded only when the host ends it"))
    placee_rating: int | None = Field(default=None, ge=1, le=5, description=(
        "the placee's own rating: recorded only when the placee ends it"))
    skills_gained: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50)


class FeedbackIn(FeedbackAnswers):
    """The caller's own side's feedback: the structured answers, and words of their own."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "overall": 5, "objectives_met": 4, "skills_value": 4, "would_recommend": True,
        "comments": "A great year: the grid team want her back."}]})
    comments: Annotated[str, Field(min_length=1, max_length=2000)] | None = pii_field(
        default=None, description="free text, personal data: it stays in the approval "
                                  "service and is cleared when the applicant is erased")

    def answers(self) -> FeedbackAnswers:
        return FeedbackAnswers(**self.model_dump(exclude={"comments"}))


class FeedbackOut(BaseModel):
    placement_id: uuid.UUID
    party: FeedbackParty
    given_by: str
    overall: int
    objectives_met: int
    skills_value: int
    would_recommend: bool
    comments: str | None = pii_field(default=None)
    given_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> FeedbackOut:
        return cls(**{k: row[k] for k in cls.model_fields})


class TaskOut(BaseModel):
    """One stage waiting for the caller, with what a task list shows."""

    stage_id: uuid.UUID
    case_id: uuid.UUID
    application_id: uuid.UUID
    opportunity_id: uuid.UUID
    scheme: str
    host_org_id: str
    stage: str
    stage_title: str = Field(description="the stage in plain words",
                             examples=["Line manager approval"])
    approver_role: str
    opened_at: datetime
    due_at: datetime = Field(description="counted in working days from when it opened (or "
                                         "was last reassigned)")
    due_state: Literal["on_time", "due_soon", "overdue"]
    escalated: bool
    start_date: date
    length_months: int


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"approver_id": "ethics-2", "reason": "the ethics officer is on leave"}]})
    approver_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="the person (token subject) who decides the stage from now on; they "
                    "must hold the stage's role (and organisation, when it names one)")
    reason: Reason = Field(description="why, for the audit trail")
