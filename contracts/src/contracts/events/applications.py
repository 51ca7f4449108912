"""Topic `applications`: written by the applicant service, keyed by application id."""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from contracts.enums import (
    ApplicantKind,
    Clearance,
    Country,
    Grade,
    InterestKind,
    Scheme,
    Sector,
    UKRegion,
)
from contracts.envelope import CatalogueEvent, Frozen, Id, Label, Months, Text
from contracts.outcome_answers import AskedAtApplication
from contracts.pii import pii_field

__all__ = ["ApplicantErased", "ApplicationSubmitted", "ApplicationSubmittedV2",
           "ApplicationWithdrawn", "DeclaredInterest", "SealedContact"]

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]


class _ApplicationsEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "applications"
    KEY_FIELD: ClassVar[str] = "application_id"


class DeclaredInterest(Frozen):
    """An organisation the applicant has had dealings with in the last two years."""

    organisation_id: Id | None = None
    organisation_name: Label | None = None
    kind: InterestKind

    @model_validator(mode="after")
    def _named(self) -> DeclaredInterest:
        if self.organisation_id is None and self.organisation_name is None:
            raise ValueError("a declared interest needs organisation_id or organisation_name")
        return self


class _Submitted(_ApplicationsEvent):
    """The fields every version of ApplicationSubmitted carries."""

    event_type: Literal["ApplicationSubmitted"] = "ApplicationSubmitted"

    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    applicant_kind: ApplicantKind
    organisation_id: Id = Field(
        description="Department (civil servant), employer (industry "
        "professional) or FCDO post (diplomat)."
    )
    grade: Grade | None = None
    profession: Label | None = None
    role: Label | None = Field(default=None, description="Job role, for industry professionals.")
    clearance_held: Clearance = Clearance.NONE
    skills: tuple[Label, ...] = ()
    sectors: tuple[Sector, ...] = ()
    preferred_regions: tuple[UKRegion, ...] = ()
    preferred_countries: tuple[Country, ...] = ()
    earliest_start: date
    desired_length_months: Months
    declared_interests: tuple[DeclaredInterest, ...] = ()
    opportunity_id: UUID | None = Field(
        default=None, description="Set when applying to one opportunity."
    )
    line_manager_id: Id | None = None


# Version 1: name and email in plain text. Superseded by v2; still parsed. (A comment, not a
# docstring: the committed v1 schema must not change.)
class ApplicationSubmitted(_Submitted):
    schema_version: Literal[1] = 1

    applicant_name: Label = pii_field()
    applicant_email: Email = pii_field()


class SealedContact(Frozen):
    """The applicant's name and email as `{"name": ..., "email": ...}` JSON, sealed with
    AES-256-GCM under a data key of that person alone, held by the applicant service.
    Erasure deletes the key: every copy of this value, in Kafka or anywhere, stops being
    readable (crypto-shredding)."""

    key_id: Id = Field(description="Whose data key sealed it: the applicant id.")
    alg: Literal["AES-256-GCM"] = "AES-256-GCM"
    nonce: Annotated[str, StringConstraints(min_length=16, max_length=32)] = Field(
        description="96-bit GCM nonce, base64url.")
    ciphertext: Annotated[str, StringConstraints(min_length=22, max_length=4096)] = Field(
        description="Ciphertext and tag, base64url; the associated data is "
        "`<application_id>|<applicant_id>`.")


class ApplicationSubmittedV2(_Submitted, AskedAtApplication):
    """Version 2: the contact details travel sealed, never in plain text. Added in place,
    optional (older producers and stored events lack them): what the applicant said for
    outcome measurement (AskedAtApplication)."""

    schema_version: Literal[2] = 2

    applicant_contact: SealedContact = pii_field(
        description="Name and email, encrypted per person; readable only with the key the "
        "applicant service holds until the applicant is erased.")

    @staticmethod
    def contact_context(application_id: UUID, applicant_id: str) -> str:
        """The associated data `applicant_contact` is sealed with: it opens only in its event."""
        return f"{application_id}|{applicant_id}"


class ApplicationWithdrawn(_ApplicationsEvent):
    event_type: Literal["ApplicationWithdrawn"] = "ApplicationWithdrawn"

    application_id: UUID
    applicant_id: Id
    scheme: Scheme
    reason: Text | None = None


class ApplicantErased(_ApplicationsEvent):
    """Right to erasure: every consumer drops what it holds about this applicant."""

    KEY_FIELD: ClassVar[str] = "applicant_id"
    event_type: Literal["ApplicantErased"] = "ApplicantErased"

    applicant_id: Id
    application_ids: tuple[UUID, ...] = Field(
        default=(), description="The applicant's applications, for consumers keyed by them."
    )
