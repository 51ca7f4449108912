"""Helpers shared by the service tests (imported as `from .matching_support import ...`)."""

import uuid
from datetime import date

from contracts.examples import example

from contracts import ApplicationSubmitted, ApplicationWithdrawn, PlacementRejected, RejectionReason

FAST = dict(consumer_retry_backoff_seconds=0.01, write_rate_per_minute=100_000)


def opportunity_body(**fields) -> dict:
    return {"host_name": "WindCo Ltd", "host_staff_count": 120, "host_sector": "clean_energy",
            "country": "GB", "region": "North West", "scheme": "industry",
            "title": "Offshore wind policy secondment", "sector": "clean_energy",
            "required_skills": ["policy analysis"], "desired_skills": ["energy markets"],
            "start_window_from": "2027-03-01", "start_window_to": "2027-06-30",
            "length_months": 6, "grade_min": "HEO", "grade_max": "G6",
            "clearance_needed": "BPSS", "capacity": 1, "closing_date": "2027-02-15", **fields}


def application(**fields) -> ApplicationSubmitted:
    application_id = uuid.uuid4()
    return example(ApplicationSubmitted, **{
        "application_id": application_id, "correlation_id": application_id,
        "applicant_id": f"applicant-{application_id.hex[:8]}", "opportunity_id": None,
        "declared_interests": (), "earliest_start": date(2027, 3, 1), **fields})


def rejection(proposal, reason=RejectionReason.DECLINED, **fields) -> PlacementRejected:
    return PlacementRejected.caused_by(
        proposal, producer="approval", application_id=proposal.application_id,
        match_id=proposal.match_id, opportunity_id=proposal.opportunity_id,
        applicant_id=proposal.applicant_id, host_org_id=proposal.host_org_id,
        scheme=proposal.scheme, reason=reason, **fields)


def withdrawal(submitted: ApplicationSubmitted) -> ApplicationWithdrawn:
    """The applicant's withdrawal of `submitted`, as the applicant service publishes it."""
    return ApplicationWithdrawn.caused_by(
        submitted, producer="applicant", application_id=submitted.application_id,
        applicant_id=submitted.applicant_id, scheme=submitted.scheme)


async def post_opportunity(service, org: str, **fields) -> dict:
    response = await service.client.post("/opportunities", json=opportunity_body(**fields),
                                         headers=service.auth(f"user-{org}", "host", org=org))
    assert response.status_code == 201, response.text
    return response.json()


async def send(service, *events) -> None:
    await service.publish(*events)


def unique_org() -> str:
    return f"org-{uuid.uuid4().hex[:8]}"
