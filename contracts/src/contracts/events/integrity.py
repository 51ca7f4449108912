"""Integrity after return, on topic `placements` (written by the approval service, keyed by
application id): the conditions a person carries back when a placement ends."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal, get_args
from uuid import UUID

from pydantic import Field, model_validator

from contracts.enums import Grade, Scheme
from contracts.envelope import CatalogueEvent, Id, Text, check_order

__all__ = ["INWARD", "OUTWARD", "RESTRICTED_DECISIONS", "RestrictedDecision",
           "ReturnConditionKind", "ReturnConditionsRecorded"]


# Which way the person went: "outward", a civil servant back from a host in industry (or a
# diplomat back from an SME), carries restrictions; "inward", an industry expert back at their
# employer from government, a confidentiality undertaking.
ReturnConditionKind = Literal["outward", "inward"]
OUTWARD: ReturnConditionKind = "outward"
INWARD: ReturnConditionKind = "inward"

# What a returning civil servant may not decide on where the former host is concerned: the
# contracts it bids for, the rules, licences or enforcement that apply to it, the grants it
# applies for, and approving placements with it (the one the approval service enforces).
RestrictedDecision = Literal["procurement", "regulation", "grants", "placements"]
RESTRICTED_DECISIONS: tuple[RestrictedDecision, ...] = get_args(RestrictedDecision)


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
    former_host_org_id: Id = Field(description="The organisation the person was placed with.")
    condition_kind: ReturnConditionKind
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
