"""Topic `matches`: written by the matching service, keyed by application id."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from contracts.enums import Clearance, Country, Scheme, Sector, UKRegion
from contracts.envelope import CatalogueEvent, Frozen, Id, Label, Months, Text

__all__ = ["FilterCheck", "MatchExplanation", "MatchProposed", "NoMatchFound", "ScoreFactor"]


class _MatchesEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "matches"
    KEY_FIELD: ClassVar[str] = "application_id"


class ScoreFactor(Frozen):
    name: Label
    weight: float = Field(ge=0)
    raw_score: float = Field(ge=0, le=1)
    contribution: float = Field(description="weight x raw_score, as added to the score.")


class FilterCheck(Frozen):
    name: Label
    passed: bool
    detail: Text | None = None


class MatchExplanation(Frozen):
    """Why this pair: the hard filters it passed and the weighted factors of its score."""

    factors: tuple[ScoreFactor, ...] = ()
    filters_checked: tuple[FilterCheck, ...] = ()


class MatchProposed(_MatchesEvent):
    event_type: Literal["MatchProposed"] = "MatchProposed"

    match_id: UUID
    application_id: UUID
    opportunity_id: UUID
    applicant_id: Id
    host_org_id: Id
    scheme: Scheme
    sector: Sector
    country: Country
    region: UKRegion | None = None
    start_date: date
    length_months: Months
    clearance_needed: Clearance
    clearance_held: Clearance
    organisation_id: Id = Field(description="The applicant's department, employer or FCDO post.")
    line_manager_id: Id | None = None
    bcc_chamber_id: Id | None = None
    score: float = Field(ge=0)
    explanation: MatchExplanation
    round_id: UUID | None = None


class NoMatchFound(_MatchesEvent):
    event_type: Literal["NoMatchFound"] = "NoMatchFound"

    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    reasons: tuple[Text, ...] = ()
    round_id: UUID | None = None
