"""Outcome measurement, written by the applicant service to topic `applications` (keyed by
application id, beside the application's own events, so one journey stays in order).

A baseline is asked at application (carried by ApplicationSubmittedV2); follow-ups are asked
6 and 12 months after the applicant left the scheme: the end of their placement (cohort
`placed`) or, for the comparison group, the day they left without one (cohort `comparison`:
unmatched, refused or withdrawn). Only applicants who consented at application are asked.
Answers are structured only (no free text), so none of these fields is personal data. The
questions' vocabulary is contracts.outcome_answers, re-exported here.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts import outcome_answers
from contracts.enums import Scheme
from contracts.envelope import Frozen, Id, check_order
from contracts.events.applications import _ApplicationsEvent
from contracts.outcome_answers import (
    AskedAtApplication,
    Baseline,
    Cohort,
    FollowUpAnswers,
    FollowUpKind,
    HomeRegion,
    Intention,
    LeftBecause,
    RegionBasis,
    Situation,
    SkillsConfidence,
)

__all__ = ["FollowUpDue", "FollowUpLapsed", "OutcomeRecorded", *outcome_answers.__all__]
_REEXPORTED = (AskedAtApplication, Baseline, Cohort, FollowUpAnswers, FollowUpKind, HomeRegion,
               Intention, LeftBecause, RegionBasis, SkillsConfidence, Situation)


class _FollowUpRef(Frozen):
    """Which follow-up: what every outcome event names first."""

    follow_up_id: UUID
    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    cohort: Cohort
    left_because: LeftBecause
    kind: FollowUpKind
    left_on: date = Field(description="The day the follow-ups are timed from.")
    due_on: date = Field(description="left_on plus `kind` months.")

    @model_validator(mode="after")
    def _due_after_leaving(self) -> _FollowUpRef:
        check_order(self.left_on, self.due_on, "due_on must be after left_on")
        return self


class FollowUpDue(_FollowUpRef, _ApplicationsEvent):
    """Ask the applicant to answer a follow-up: attempt 1 is the invitation, later attempts
    are reminders. The notification service emails a link to the form."""

    event_type: Literal["FollowUpDue"] = "FollowUpDue"

    attempt: Annotated[int, Field(ge=1, le=10)]
    answer_by: date = Field(description="After this day the follow-up lapses unanswered.")


class FollowUpLapsed(_FollowUpRef, _ApplicationsEvent):
    """No answer came after every reminder: recorded as a non-response."""

    event_type: Literal["FollowUpLapsed"] = "FollowUpLapsed"

    attempts: Annotated[int, Field(ge=1, le=10)]


class OutcomeRecorded(_FollowUpRef, _ApplicationsEvent):
    """The applicant's answers to a follow-up (the first answer counts; there is no second)."""

    event_type: Literal["OutcomeRecorded"] = "OutcomeRecorded"

    answered_on: date
    answers: FollowUpAnswers
    home_region: HomeRegion | None = Field(
        default=None, description="As given at application, for regional outcome reporting.")
