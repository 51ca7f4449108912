"""Topic `matches`: written by the matching service, keyed by application id."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from contracts.enums import Clearance, Country, Scheme, Sector, UKRegion
from contracts.envelope import CatalogueEvent, Frozen, Id, Label, Months, Text

__all__ = ["FilterCheck", "HeldApart", "MatchDeclined", "MatchExplanation", "MatchProposed",
           "NoMatchFound", "PlacesOffered", "RankingSubmitted", "RoundChoice", "RoundMatched",
           "ScoreFactor", "TargetOutcome"]


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


class RoundChoice(Frozen):
    """One entry of an applicant's list as a round used it (after the hard filters)."""

    opportunity_id: UUID
    priority: int = Field(description="How the opportunity ranks this applicant (higher is "
                          "better: the host's order above the explained score); equal "
                          "priorities are broken by the round's seed.")


# Carried on a round's MatchProposed and NoMatchFound, so anyone can check the round from the
# topic alone (no blocking pair); at most the ranking limit or top-K entries.
_ROUND_LIST = Field(default=None, max_length=1000, description=(
    "In a round: the applicant's list as the round used it, most wanted first, cut to the "
    "pairs that pass every hard filter (before any pair a target held apart)."))


class _ProposedPair(Frozen):
    """Which proposal: one applicant's application and one host's opportunity."""

    match_id: UUID
    application_id: UUID
    opportunity_id: UUID
    applicant_id: Id
    host_org_id: Id
    scheme: Scheme


class MatchProposed(_ProposedPair, _MatchesEvent):
    event_type: Literal["MatchProposed"] = "MatchProposed"

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
    round_list: tuple[RoundChoice, ...] | None = _ROUND_LIST


class NoMatchFound(_MatchesEvent):
    event_type: Literal["NoMatchFound"] = "NoMatchFound"

    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    reasons: tuple[Text, ...] = ()
    round_id: UUID | None = None
    round_list: tuple[RoundChoice, ...] | None = _ROUND_LIST


class RankingSubmitted(_MatchesEvent):
    """An applicant's rank order list (most wanted first) for the next round; a new list
    replaces the last one. Carried whole so the round can be re-run from events alone."""

    event_type: Literal["RankingSubmitted"] = "RankingSubmitted"
    schema_version: Literal[1] = 1

    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    opportunity_ids: tuple[UUID, ...] = Field(default=(), max_length=1000)
    round_id: UUID | None = Field(default=None, description="The round open for ranking.")


class MatchDeclined(_ProposedPair, _MatchesEvent):
    """The applicant turned down this one proposal: its place is free again and the
    application stays live; the pair is never proposed again."""

    event_type: Literal["MatchDeclined"] = "MatchDeclined"
    schema_version: Literal[1] = 1

    reason: Text | None = None


class HeldApart(Frozen):
    application_id: UUID
    opportunity_id: UUID


class PlacesOffered(Frozen):
    opportunity_id: UUID
    places: int = Field(ge=1, description="places the round could fill")


class TargetOutcome(Frozen):
    """How a stored minimum share fared in a round."""

    dimension: Label = Field(description="region (ITL1 region or country) or sector")
    value: Label
    share: float = Field(gt=0, le=1)
    needed: int = Field(ge=0, description="matches the share asks for")
    achieved: int = Field(ge=0)
    met: bool
    bound: bool = Field(description="True when the target changed the round's result.")
    pairs_held_apart: int = Field(
        ge=0, description="applicants kept from their match outside the group to move them in")
    achieved_without_target: int | None = Field(
        default=None, ge=0, description="matches in the group the plain round gave")
    held_apart: tuple[HeldApart, ...] = Field(
        default=(), max_length=100_000, description="the pairs held apart (the only pairs "
        "that may block the result)")


class RoundMatched(_MatchesEvent):
    """A round's result in figures; its MatchProposed and NoMatchFound carry the round_id.
    Keyed by the round id (it concerns no single application)."""

    KEY_FIELD: ClassVar[str] = "round_id"
    event_type: Literal["RoundMatched"] = "RoundMatched"
    schema_version: Literal[1] = 1

    round_id: UUID
    seed: int = Field(ge=0, description="Breaks ties; re-running with it gives the result.")
    applicants: int = Field(ge=0)
    opportunities: int = Field(ge=0)
    places: int = Field(ge=0)
    matched: int = Field(ge=0)
    unmatched: int = Field(ge=0)
    targets: tuple[TargetOutcome, ...] = ()
    offered: tuple[PlacesOffered, ...] = Field(
        default=(), max_length=100_000,
        description="Every opportunity in the round and the places it could fill.")
