"""Topic `placements`: written by the approval service, keyed by application id."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts.enums import (
    ApprovalStage,
    Country,
    PlacementOutcome,
    RejectionReason,
    Scheme,
    Sector,
    UKRegion,
)
from contracts.envelope import CatalogueEvent, Frozen, Id, Label, Rating, Text, check_order

__all__ = ["FeedbackAnswers", "FeedbackParty", "PlacementApproved", "PlacementConfirmed",
           "PlacementEnded", "PlacementExtended", "PlacementFeedbackGiven", "PlacementRejected",
           "PlacementStarted"]


class _PlacementsEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "placements"
    KEY_FIELD: ClassVar[str] = "application_id"


class _PlacementRef(Frozen):
    """Which placement: what every event about a placement's life names first."""

    placement_id: UUID
    application_id: UUID
    opportunity_id: UUID
    applicant_id: Id
    host_org_id: Id
    scheme: Scheme


class _PlacementTerms(Frozen):
    placement_id: UUID
    application_id: UUID
    match_id: UUID
    opportunity_id: UUID
    applicant_id: Id
    host_org_id: Id
    scheme: Scheme
    sector: Sector
    country: Country
    region: UKRegion | None = None
    start_date: date
    end_date: date

    @model_validator(mode="after")
    def _end_after_start(self) -> _PlacementTerms:
        check_order(self.start_date, self.end_date, "end_date must be after start_date")
        return self


class PlacementApproved(_PlacementTerms, _PlacementsEvent):
    """Every approval stage granted; capacity not yet taken."""

    event_type: Literal["PlacementApproved"] = "PlacementApproved"


class PlacementConfirmed(_PlacementTerms, _PlacementsEvent):
    """A place is taken: dates and host are fixed."""

    event_type: Literal["PlacementConfirmed"] = "PlacementConfirmed"


class PlacementRejected(_PlacementsEvent):
    event_type: Literal["PlacementRejected"] = "PlacementRejected"

    application_id: UUID
    match_id: UUID
    opportunity_id: UUID
    applicant_id: Id
    host_org_id: Id | None = None
    scheme: Scheme | None = None
    stage: ApprovalStage | None = None
    reason: RejectionReason
    detail: Text | None = None


class PlacementStarted(_PlacementRef, _PlacementsEvent):
    event_type: Literal["PlacementStarted"] = "PlacementStarted"

    started_on: date


class PlacementExtended(_PlacementRef, _PlacementsEvent):
    event_type: Literal["PlacementExtended"] = "PlacementExtended"

    start_date: date
    previous_end_date: date
    new_end_date: date

    @model_validator(mode="after")
    def _later(self) -> PlacementExtended:
        check_order(
            self.start_date, self.previous_end_date, "previous_end_date must be after start_date"
        )
        check_order(
            self.previous_end_date,
            self.new_end_date,
            "new_end_date must be after previous_end_date",
        )
        return self


class PlacementEnded(_PlacementRef, _PlacementsEvent):
    """The end of a placement, with both sides' feedback for evaluation."""

    event_type: Literal["PlacementEnded"] = "PlacementEnded"

    sector: Sector
    start_date: date = Field(description="The day it actually started (started_on), which "
                             "ended_on may not precede.")
    ended_on: date
    outcome: PlacementOutcome
    ended_by: Id = Field(description="Who ended it: a user id, or 'system' at the planned end.")
    reason: Text | None = None
    host_rating: Rating | None = Field(default=None, description="The host's own rating; "
                                       "set only when the host ended it.")
    placee_rating: Rating | None = Field(default=None, description="The placee's own rating; "
                                         "set only when the placee ended it.")
    skills_gained: tuple[Label, ...] = ()

    @model_validator(mode="after")
    def _ended_after_start(self) -> PlacementEnded:
        check_order(
            self.start_date, self.ended_on, "ended_on must not be before start_date", strict=False
        )
        return self


class FeedbackParty(StrEnum):
    """Who gives a placement's feedback: each party gives its own, once."""

    PLACEE = "placee"
    HOST = "host"
    # The applicant's employer or department named on the application, who released them.
    RELEASING_EMPLOYER = "releasing_employer"


class FeedbackAnswers(Frozen):
    """The structured questions every party answers (1 poor to 5 excellent), each worded for
    that party; the free text stays in the approval service (personal data)."""

    overall: Rating = Field(description="How well the placement went overall.")
    objectives_met: Rating = Field(description="How well it met the objectives agreed for it.")
    skills_value: Rating = Field(description="How valuable the skills developed or shared "
                                 "were to this party.")
    would_recommend: bool = Field(description="Would this party recommend the scheme to "
                                  "others like them.")


class PlacementFeedbackGiven(_PlacementRef, _PlacementsEvent):
    """One party's feedback after the placement ended, for evaluation (no free text)."""

    event_type: Literal["PlacementFeedbackGiven"] = "PlacementFeedbackGiven"

    sector: Sector
    party: FeedbackParty
    given_by: Id = Field(description="The user id of the person who gave it.")
    answers: FeedbackAnswers
