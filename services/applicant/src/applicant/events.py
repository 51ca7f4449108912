"""Integration events this service writes, built from its rows (the boundary mapping)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from shared.crypto import seal

from contracts import ApplicantErased, ApplicationSubmittedV2, ApplicationWithdrawn

PRODUCER = "applicant"


def submitted(app: asyncpg.Record, profile: asyncpg.Record, at: datetime,
              data_key: bytes) -> ApplicationSubmittedV2:
    # Name and email travel sealed under the applicant's own key (crypto-shredding).
    contact = seal(data_key, app["applicant_id"],
                   {"name": profile["name"], "email": profile["email"]},
                   ApplicationSubmittedV2.contact_context(app["id"], app["applicant_id"]))
    return ApplicationSubmittedV2(
        producer=PRODUCER, correlation_id=app["id"], occurred_at=at,
        application_id=app["id"], applicant_id=app["applicant_id"], scheme=app["scheme"],
        applicant_kind=profile["kind"], organisation_id=profile["organisation_id"],
        grade=profile["grade"], profession=profile["profession"], role=profile["role"],
        clearance_held=profile["clearance_held"], skills=tuple(profile["skills"]),
        sectors=tuple(app["sectors"]), preferred_regions=tuple(app["preferred_regions"]),
        preferred_countries=tuple(app["preferred_countries"]),
        earliest_start=app["earliest_start"],
        desired_length_months=app["desired_length_months"],
        declared_interests=tuple(profile["declared_interests"]),
        opportunity_id=app["opportunity_id"], line_manager_id=profile["line_manager_id"],
        applicant_contact=contact, home_region=app["home_region"], baseline=app["baseline"],
        follow_up_consent=app["follow_up_consent"])


def withdrawn(app: asyncpg.Record, reason: str | None, at: datetime) -> ApplicationWithdrawn:
    return ApplicationWithdrawn(
        producer=PRODUCER, correlation_id=app["id"], occurred_at=at, application_id=app["id"],
        applicant_id=app["applicant_id"], scheme=app["scheme"], reason=reason)


def erased(applicant_id: str, application_ids: list[uuid.UUID], at: datetime
           ) -> ApplicantErased:
    # No journey of its own: the erasure request is its own correlation.
    return ApplicantErased(producer=PRODUCER, correlation_id=uuid.uuid4(), occurred_at=at,
                           applicant_id=applicant_id, application_ids=tuple(application_ids))
