"""The case view: what a decider reads about an application (HTTP response models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from contracts.events.applications import DeclaredInterest
from pydantic import BaseModel, Field

from contracts import ApplicantKind, Clearance, Scheme


class CaseApplicant(BaseModel):
    """Personal data: shown only to those on the case (see the README)."""

    id: str
    name: str
    kind: ApplicantKind
    grade: str | None = Field(description="civil servants and diplomats")
    profession: str | None = Field(description="civil servants")
    role: str | None = Field(description="industry professionals' current job role")
    organisation_id: str = Field(description="department, employer or FCDO post")
    organisation_kind: Literal["department", "employer", "FCDO post"]
    clearance_held: Clearance
    skills: list[str]


class CaseProposal(BaseModel):
    match_id: UUID
    opportunity_id: UUID
    host_org_id: str
    sector: str
    country: str
    region: str | None
    start_date: date
    length_months: int
    clearance_needed: Clearance
    score: float
    proposed_at: datetime


class ClearanceCheck(BaseModel):
    """For the security vetting stage: what is held against what the post needs."""

    held: Clearance
    needed: Clearance
    covered: bool


class CaseStage(BaseModel):
    case_id: UUID
    stage: str
    approver_role: str
    approver_org_id: str | None
    approver_id: str | None
    status: Literal["open", "granted", "refused", "reassigned"]
    opened_at: datetime
    due_at: datetime
    decided_by: str | None
    decided_at: datetime | None = Field(description="when decided (or reassigned away)")
    note: str | None
    reason: str | None = Field(description="a refusal's reason, or why it was reassigned")
    mitigation: str | None


class CaseOut(BaseModel):
    application_id: UUID
    scheme: Scheme
    status: str
    earliest_start: date
    desired_length_months: int
    submitted_at: datetime
    seen_as: Literal["approver", "host", "hr", "applicant"] = Field(
        description="why you may see this case: you hold (or held) one of its stages, you "
                    "are the host it was proposed to, you are central HR, or it is yours")
    applicant: CaseApplicant
    declared_interests: list[DeclaredInterest] | None = Field(
        description="the conflict-of-interest stage's holders, central HR and the applicant "
                    "only; null for everyone else")
    proposal: CaseProposal | None = Field(description="the newest proposal (for a host: the "
                                                      "newest made to them)")
    clearance: ClearanceCheck | None
    stages: list[CaseStage] = Field(description="every stage opened so far, decided ones "
                                                "with their notes, in the order they opened")
