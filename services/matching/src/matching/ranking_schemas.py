"""HTTP models of rank order lists, hosts' rankings and HR's targets."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.schemas import MinimumIn, shares_fit

# A hard cap on the body (hostile input); the configurable limit (MATCHING_RANKING_LIMIT)
# is checked by the use case, which names the first entry beyond it.
MAX_ENTRIES = 1000
EXAMPLE_ID = "3f9a6c1e-5b8d-4e0a-9c2f-7d1b2a3c4e5f"


class RankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"opportunity_ids": [EXAMPLE_ID]}]})
    opportunity_ids: list[uuid.UUID] = Field(
        max_length=MAX_ENTRIES, description="open opportunities of your scheme, most wanted "
        "first, each once; at most MATCHING_RANKING_LIMIT (default 10)")


class RankingOut(BaseModel):
    application_id: uuid.UUID
    opportunity_ids: list[uuid.UUID]
    submitted_at: datetime | None
    limit: int
    round_id: uuid.UUID | None = Field(description="the round open for ranking, if any")
    ranking_deadline: datetime | None


class ExclusionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    application_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500, description="kept for audit")


class HostRankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"order": [EXAMPLE_ID], "excluded": []}]})
    order: list[uuid.UUID] = Field(default_factory=list, max_length=10_000,
                                   description="candidates who ranked this opportunity, best "
                                   "first; the others follow by explained score")
    excluded: list[ExclusionIn] = Field(default_factory=list, max_length=10_000)


class RankedCandidate(BaseModel):
    application_id: uuid.UUID
    applicant_id: str
    their_choice: int = Field(description="where the applicant ranked this opportunity")
    score: float
    host_position: int | None
    excluded_reason: str | None
    eligible: bool = Field(description="passes every hard filter; a rank cannot override one")
    blocked_by: list[str]
    explanation: dict[str, Any]


class ExclusionRecord(BaseModel):
    application_id: uuid.UUID
    reason: str
    excluded_by: str
    excluded_at: datetime


class HostRankingOut(BaseModel):
    opportunity_id: uuid.UUID
    candidates: list[RankedCandidate] = Field(description="in the order the round uses; "
                                              "excluded candidates last")
    exclusion_history: list[ExclusionRecord]


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"minimum_shares": [{"dimension": "region", "value": "North East", "share": 0.1}]}]})
    minimum_shares: list[MinimumIn] = Field(max_length=40)

    @model_validator(mode="after")
    def _shares_fit(self) -> TargetsIn:
        shares_fit(self.minimum_shares)
        return self


class TargetsOut(BaseModel):
    minimum_shares: list[MinimumIn]


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, min_length=1, max_length=500)
