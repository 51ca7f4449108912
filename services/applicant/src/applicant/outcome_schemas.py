"""HTTP models of outcome measurement: what a follow-up asks and where it stands."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from contracts import Cohort, FollowUpAnswers, FollowUpKind, LeftBecause, Scheme

FOLLOW_UP_EXAMPLE = {"answers": {"value": {
    "skills_confidence": {"commercial_awareness": 4, "working_across_sectors": 4,
                          "leading_change": 3},
    "intention": "stay_in_sector", "situation": "same_organisation_new_role"}}}


class FollowUpOut(BaseModel):
    id: UUID
    application_id: UUID
    scheme: Scheme
    cohort: Cohort
    left_because: LeftBecause
    kind: FollowUpKind = Field(description="Months after leaving the scheme: 6 or 12.")
    left_on: date
    due_on: date
    answer_by: date
    state: str = Field(description="open, answered or lapsed (erased ones read as gone).")
    asked: bool = Field(description="The invitation has gone out: it can be answered.")
    answered_at: datetime | None
    answers: FollowUpAnswers | None


def follow_up_out(row) -> FollowUpOut:
    return FollowUpOut(
        id=row["id"], application_id=row["application_id"], scheme=row["scheme"],
        cohort=row["cohort"], left_because=row["left_because"], kind=row["kind"],
        left_on=row["left_on"], due_on=row["due_on"], answer_by=row["answer_by"],
        state=row["state"], asked=row["attempts"] > 0, answered_at=row["answered_at"],
        answers=row["answers"])
