import uuid
from datetime import date, timedelta

from applicant.app import build_app
from applicant.config import ApplicantSettings
from testkit.harness.events import eventually
from testkit.harness.fixtures import reader_fixture, service_fixture

from contracts import Event, Scheme

FAST = dict(consumer_retry_backoff_seconds=0.01, write_rate_per_minute=100_000)


service = service_fixture(build_app, ApplicantSettings, **FAST)
reader = reader_fixture("applications")


def soon(days: int = 30) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


PROFILES = {
    Scheme.INDUSTRY: {
        "kind": "civil_servant", "name": "Asha Patel", "email": "asha.patel@dbt.gov.uk",
        "organisation_id": "dept-dbt", "grade": "G7", "profession": "Policy",
        "line_manager_id": "manager-1", "skills": ["trade policy"], "sectors": ["clean_energy"],
        "preferred_regions": ["North West"],
        "declared_interests": [{"organisation_id": "org-windco", "kind": "procurement"}]},
    Scheme.GOVERNMENT: {
        "kind": "industry_professional", "name": "Ben Okafor", "email": "ben@acme.example",
        "organisation_id": "emp-acme", "role": "Head of Data", "clearance_held": "SC",
        "skills": ["data engineering"], "sectors": ["digital_and_technologies"],
        "preferred_regions": ["London"]},
    Scheme.DIPLOMATIC: {
        "kind": "diplomat", "name": "Claire Dubois", "email": "claire.dubois@fcdo.gov.uk",
        "organisation_id": "post-paris", "grade": "SEO", "skills": ["market access"],
        "sectors": ["creative_industries"], "preferred_countries": ["FR", "BE"]},
}


def new_applicant() -> str:
    return f"applicant-{uuid.uuid4().hex[:8]}"


def as_applicant(svc, sub: str) -> dict:
    return svc.auth(sub, "applicant")


async def make_profile(svc, scheme: Scheme = Scheme.INDUSTRY, sub: str | None = None,
                       **fields) -> str:
    sub = sub or new_applicant()
    r = await svc.client.put("/applicants/me", json={**PROFILES[scheme], **fields},
                             headers=as_applicant(svc, sub))
    assert r.status_code in (200, 201), r.text
    return sub


def application_body(scheme: Scheme = Scheme.INDUSTRY, **fields) -> dict:
    return {"scheme": str(scheme), "earliest_start": soon(), "desired_length_months": 6,
            **fields}


async def apply(svc, sub: str, scheme: Scheme = Scheme.INDUSTRY, key: str | None = None,
                **fields):
    headers = as_applicant(svc, sub)
    if key:
        headers["Idempotency-Key"] = key
    return await svc.client.post("/applications", json=application_body(scheme, **fields),
                                 headers=headers)


async def applied(svc, scheme: Scheme = Scheme.INDUSTRY) -> tuple[str, dict]:
    """A fresh applicant with a submitted application: (sub, application body)."""
    sub = await make_profile(svc, scheme)
    r = await apply(svc, sub, scheme)
    assert r.status_code == 201, r.text
    return sub, r.json()


async def send(svc, *events: Event) -> None:
    await svc.publish(*events)


async def status_becomes(svc, sub: str, application_id: str, status: str) -> dict:
    async def check():
        r = await svc.client.get(f"/applications/{application_id}",
                                 headers=as_applicant(svc, sub))
        return r.json() if r.json()["status"] == status else None

    return await eventually(check, timeout=20)
