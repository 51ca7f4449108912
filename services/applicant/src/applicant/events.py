"""Integration events this service writes, built from its rows (the boundary mapping)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from contracts import ApplicationSubmitted, ApplicationWithdrawn

PRODUCER = "applicant"


def submitted(app: asyncpg.Record, profile: asyncpg.Record,
              at: datetime) -> ApplicationSubmitted:
    return ApplicationSubmitted(
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
        applicant_name=profile["name"], applicant_email=profile["email"])


def withdrawn(app: asyncpg.Record, reason: str | None, at: datetime) -> ApplicationWithdrawn:
    return ApplicationWithdrawn(
        producer=PRODUCER, correlation_id=app["id"], occurred_at=at, application_id=app["id"],
        applicant_id=app["applicant_id"], scheme=app["scheme"], reason=reason)
