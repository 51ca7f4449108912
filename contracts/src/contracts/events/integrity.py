"""Integrity after return, on topic `placements` (written by the approval service, keyed by
application id): the conditions a person carries back when a placement ends."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field, model_validator

from contracts.enums import Grade, Scheme
from contracts.envelope import CatalogueEvent, Id, Text, check_order

__all__ = ["RestrictedDecision", "ReturnConditionKind", "ReturnConditionsRecorded"]


class ReturnConditionKind(StrEnum):
    """Which way the person went: a civil servant back from industry (outward) carries
    restrictions; an industry expert back from government (inward) a confidentiality
    undertaking."""

    OUTWARD = "outward"
    INWARD = "inward"


class RestrictedDecision(StrEnum):
    """What a returning civil servant may not decide on where the former host is concerned."""

    PROCUREMENT = "procurement"
    REGULATION = "regulation"
    GRANTS = "grants"
    PLACEMENTS = "placements"


class ReturnConditionsRecorded(CatalogueEvent):
    """A placement ended; these conditions bind the person until `restricted_until`."""

    TOPIC: ClassVar[str] = "placements"
    KEY_FIELD: ClassVar[str] = "application_id"

    event_type: Literal["ReturnConditionsRecorded"] = "ReturnConditionsRecorded"
    schema_version: Literal[1] = 1

    placement_id: UUID
    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    condition_kind: ReturnConditionKind
    former_host_org_id: Id = Field(description="The organisation the person was placed with.")
    organisation_id: Id = Field(description="The department or employer they return to.")
    grade: Grade | None = Field(default=None, description="Civil service grade; none for an "
                                "industry expert, or when it was never given.")
    ended_on: date
    restricted_until: date = Field(description="The last day the conditions apply.")
    restricted_decisions: tuple[RestrictedDecision, ...] = Field(
        default=(), description="Outward: what they may not decide on for the former host.")
    confidentiality: Text | None = Field(
        default=None, description="Inward: what the undertaking covers.")

    @model_validator(mode="after")
    def _after_the_end(self) -> ReturnConditionsRecorded:
        check_order(self.ended_on, self.restricted_until,
                    "restricted_until must be after ended_on")
        return self
