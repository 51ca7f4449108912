"""Topic `opportunities`: written by the matching service, keyed by opportunity id."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts.enums import Clearance, Country, Grade, Scheme, Sector, UKRegion
from contracts.envelope import CatalogueEvent, Frozen, Id, Label, Months, Text, check_order
from contracts.regions import ITL2Region, itl1_of

__all__ = ["CandidateExclusion", "HostRankingSubmitted", "OpportunityAmended",
           "OpportunityCapacityChanged", "OpportunityClosed", "OpportunityPublished"]


class _OpportunitiesEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "opportunities"
    KEY_FIELD: ClassVar[str] = "opportunity_id"


class _OpportunityData(Frozen):
    """What a published (or amended) opportunity says; shared, so both stay in step."""

    opportunity_id: UUID
    host_org_id: Id
    host_name: Label
    host_staff_count: int = Field(ge=1)
    host_sector: Sector
    country: Country
    region: UKRegion | None = Field(default=None, description="ITL1 region when in the UK "
                                    "(derived from itl2 when only that is given).")
    itl2: ITL2Region | None = Field(default=None, description="ITL2 region code (ITL 2021) "
                                   "when in the UK, e.g. TLD3 Greater Manchester.")
    bcc_chamber_id: Id | None = Field(
        default=None, description="The BCC chamber that put an SME forward (diplomatic)."
    )
    scheme: Scheme
    title: Label
    description: Text | None = None
    sector: Sector
    required_skills: tuple[Label, ...] = ()
    desired_skills: tuple[Label, ...] = ()
    start_window_from: date
    start_window_to: date
    length_months: Months
    grade_min: Grade | None = None
    grade_max: Grade | None = None
    clearance_needed: Clearance = Clearance.NONE
    capacity: int = Field(ge=1, description="Places offered.")
    closing_date: date

    @model_validator(mode="before")
    @classmethod
    def _region_from_itl2(cls, data: object) -> object:
        # The ITL1 region is implied by the ITL2 one: captured once, derived here.
        if isinstance(data, dict) and data.get("itl2") and not data.get("region"):
            try:
                return {**data, "region": itl1_of(data["itl2"])}
            except ValueError:
                return data  # the itl2 field's own check names the bad code
        return data

    @model_validator(mode="after")
    def _consistent(self) -> _OpportunityData:
        if self.itl2 is not None and self.region != itl1_of(self.itl2):
            raise ValueError(f"region: {self.itl2} lies in {itl1_of(self.itl2)}, "
                             f"not {self.region}")
        check_order(
            self.start_window_from,
            self.start_window_to,
            "start_window_to must not be before start_window_from",
            strict=False,
        )
        if self.grade_min and self.grade_max and self.grade_min > self.grade_max:
            raise ValueError("grade_min must not be above grade_max")
        return self


class OpportunityPublished(_OpportunityData, _OpportunitiesEvent):
    event_type: Literal["OpportunityPublished"] = "OpportunityPublished"


class OpportunityAmended(_OpportunityData, _OpportunitiesEvent):
    """The full new state of the opportunity (not a diff)."""

    event_type: Literal["OpportunityAmended"] = "OpportunityAmended"


class OpportunityClosed(_OpportunitiesEvent):
    event_type: Literal["OpportunityClosed"] = "OpportunityClosed"

    opportunity_id: UUID
    host_org_id: Id
    reason: Label | None = Field(
        default=None, description="e.g. filled, closing date passed, withdrawn by host."
    )


class OpportunityCapacityChanged(_OpportunitiesEvent):
    event_type: Literal["OpportunityCapacityChanged"] = "OpportunityCapacityChanged"

    opportunity_id: UUID
    host_org_id: Id
    capacity: int = Field(ge=1)
    places_left: int = Field(ge=0)

    @model_validator(mode="after")
    def _within_capacity(self) -> OpportunityCapacityChanged:
        if self.places_left > self.capacity:
            raise ValueError("places_left must not exceed capacity")
        return self


class CandidateExclusion(Frozen):
    application_id: UUID
    reason: Text = Field(description="Why the host will not take this candidate (kept for audit).")


class HostRankingSubmitted(_OpportunitiesEvent):
    """The host's order of the candidates who ranked the opportunity (best first) and those
    it excludes; candidates in neither list follow in the order of their explained score."""

    event_type: Literal["HostRankingSubmitted"] = "HostRankingSubmitted"
    schema_version: Literal[1] = 1

    opportunity_id: UUID
    host_org_id: Id
    ranked_application_ids: tuple[UUID, ...] = Field(default=(), max_length=10_000)
    excluded: tuple[CandidateExclusion, ...] = Field(default=(), max_length=10_000)
