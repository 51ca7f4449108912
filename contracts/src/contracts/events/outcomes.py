"""Outcome measurement, written by the applicant service to topic `applications` (keyed by
application id, beside the application's own events, so one journey stays in order).

A baseline is asked at application (carried by ApplicationSubmittedV2); follow-ups are asked
6 and 12 months after the applicant left the scheme: the end of their placement (cohort
`placed`) or, for the comparison group, the day they left without one (cohort `comparison`:
unmatched, refused or withdrawn). Only applicants who consented at application are asked.
Answers are structured only (no free text), so none of these fields is personal data.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts.enums import Scheme, UKRegion
from contracts.envelope import CatalogueEvent, Frozen, Id, check_order
from contracts.regions import ITL2Region, itl1_of

__all__ = ["Baseline", "Cohort", "FollowUpAnswers", "FollowUpDue", "FollowUpKind",
           "FollowUpLapsed", "HomeRegion", "Intention", "LeftBecause", "OutcomeRecorded",
           "RegionBasis", "SkillsConfidence", "Situation"]

Likert = Annotated[int, Field(ge=1, le=5, description="1 = not at all confident, "
                                                        "5 = very confident.")]


class Intention(StrEnum):
    """Where the person means to be working in two years."""

    STAY_IN_SECTOR = "stay_in_sector"  # the sector (public or private) they work in now
    MOVE_SECTOR = "move_sector"
    UNDECIDED = "undecided"


class Situation(StrEnum):
    """Where the person works now, asked at each follow-up."""

    SAME_ORGANISATION_SAME_ROLE = "same_organisation_same_role"
    SAME_ORGANISATION_NEW_ROLE = "same_organisation_new_role"
    NEW_ORGANISATION_SAME_SECTOR = "new_organisation_same_sector"
    NEW_ORGANISATION_OTHER_SECTOR = "new_organisation_other_sector"
    NOT_WORKING = "not_working"


class Cohort(StrEnum):
    PLACED = "placed"  # timed from the placement's end
    COMPARISON = "comparison"  # not placed: timed from the day they left the process


class LeftBecause(StrEnum):
    """Why a comparison-group applicant left the process (placed: the placement ended)."""

    PLACEMENT_ENDED = "placement_ended"
    UNMATCHED = "unmatched"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class FollowUpKind(IntEnum):
    """Months after leaving the scheme; the wire value is the number of months."""

    SIX_MONTHS = 6
    TWELVE_MONTHS = 12


class RegionBasis(StrEnum):
    HOME = "home"  # where the applicant lives
    DEPARTMENT = "department"  # where their department or employer's office is


class SkillsConfidence(Frozen):
    """Self-rated confidence, 1-5, on three skills the scheme means to build."""

    commercial_awareness: Likert
    working_across_sectors: Likert
    leading_change: Likert


class Baseline(Frozen):
    """Asked once, at application."""

    skills_confidence: SkillsConfidence
    intention: Intention


class FollowUpAnswers(Frozen):
    """Asked at each follow-up: the baseline's questions again, and the current situation."""

    skills_confidence: SkillsConfidence
    intention: Intention
    situation: Situation


class HomeRegion(Frozen):
    """The applicant's region, so flows between regions can be reported. The ITL2 region when
    given names its ITL1 parent, which must then agree."""

    itl1: UKRegion
    itl2: ITL2Region | None = None
    basis: RegionBasis = RegionBasis.HOME

    @model_validator(mode="after")
    def _nested(self) -> HomeRegion:
        if self.itl2 is not None and itl1_of(self.itl2) != self.itl1:
            raise ValueError(f"itl2 {self.itl2} lies in {itl1_of(self.itl2)}, not {self.itl1}")
        return self


class _OutcomesEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "applications"
    KEY_FIELD: ClassVar[str] = "application_id"


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


class FollowUpDue(_FollowUpRef, _OutcomesEvent):
    """Ask the applicant to answer a follow-up: attempt 1 is the invitation, later attempts
    are reminders. The notification service emails a link to the form."""

    event_type: Literal["FollowUpDue"] = "FollowUpDue"

    attempt: Annotated[int, Field(ge=1, le=10)]
    answer_by: date = Field(description="After this day the follow-up lapses unanswered.")


class FollowUpLapsed(_FollowUpRef, _OutcomesEvent):
    """No answer came after every reminder: recorded as a non-response."""

    event_type: Literal["FollowUpLapsed"] = "FollowUpLapsed"

    attempts: Annotated[int, Field(ge=1, le=10)]


class OutcomeRecorded(_FollowUpRef, _OutcomesEvent):
    """The applicant's answers to a follow-up (the first answer counts; there is no second)."""

    event_type: Literal["OutcomeRecorded"] = "OutcomeRecorded"

    answered_on: date
    answers: FollowUpAnswers
    home_region: HomeRegion | None = Field(
        default=None, description="As given at application, for regional outcome reporting.")
