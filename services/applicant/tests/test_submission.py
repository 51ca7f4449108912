import asyncio
import uuid

import pytest
from shared.crypto import decode_key, unseal

from contracts import ApplicantKind, Grade, Scheme, pii_paths

from .conftest import PROFILES, apply, as_applicant, make_profile, soon

EXPECTED_KIND = {Scheme.INDUSTRY: ApplicantKind.CIVIL_SERVANT,
                 Scheme.GOVERNMENT: ApplicantKind.INDUSTRY_PROFESSIONAL,
                 Scheme.DIPLOMATIC: ApplicantKind.DIPLOMAT}


@pytest.mark.parametrize("scheme", list(Scheme))
async def test_each_scheme_happy_path_puts_application_submitted_on_the_topic(
        service, reader, scheme):
    sub = await make_profile(service, scheme)
    r = await apply(service, sub, scheme)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted"
    assert body["awaiting"] == {"what": "a match proposal", "from": "the matching service"}
    assert r.headers["Location"] == f"/applications/{body['id']}"

    event = await reader.wait_for_event(
        "ApplicationSubmitted", where=lambda e: str(e.application_id) == body["id"])
    profile = PROFILES[scheme]
    assert event.applicant_id == sub
    assert event.scheme == scheme and event.applicant_kind == EXPECTED_KIND[scheme]
    assert event.correlation_id == event.application_id and event.producer == "applicant"
    assert event.organisation_id == profile["organisation_id"]
    assert [s.value for s in event.sectors] == profile["sectors"]
    assert event.skills == tuple(profile["skills"])
    assert event.desired_length_months == 6 and event.earliest_start.isoformat() == soon()
    # Name and email travel sealed under the applicant's own key, which opens them.
    assert event.schema_version == 2 and "applicant_contact" in pii_paths(type(event))
    assert profile["email"] not in event.model_dump_json()
    r = await service.client.get(f"/internal/data-keys/{sub}",
                                 headers=service.auth("svc:notification"))
    assert r.status_code == 200, r.text
    contact = unseal(decode_key(r.json()["key"]), event.applicant_contact.model_dump(),
                     f"{event.application_id}|{sub}")
    assert contact == {"name": profile["name"], "email": profile["email"]}


async def test_the_submitted_event_carries_what_matching_and_approval_need(service, reader):
    sub = await make_profile(service, Scheme.INDUSTRY)
    r = await apply(service, sub, Scheme.INDUSTRY, preferred_regions=["Scotland"])
    event = await reader.wait_for_event(
        "ApplicationSubmitted", where=lambda e: str(e.application_id) == r.json()["id"])
    assert event.line_manager_id == "manager-1" and event.grade == Grade.G7
    assert [r.value for r in event.preferred_regions] == ["Scotland"]  # the application's own
    assert event.declared_interests[0].organisation_id == "org-windco"

    gov = await make_profile(service, Scheme.GOVERNMENT)
    r = await apply(service, gov, Scheme.GOVERNMENT)
    event = await reader.wait_for_event(
        "ApplicationSubmitted", where=lambda e: str(e.application_id) == r.json()["id"])
    assert event.clearance_held == "SC" and event.role == "Head of Data"


async def test_a_retried_request_with_the_same_key_returns_the_first_answer_and_creates_nothing(
        service, reader):
    sub = await make_profile(service)
    key = str(uuid.uuid4())
    first = await apply(service, sub, key=key)
    second = await apply(service, sub, key=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"

    listing = await service.client.get("/applications", headers=as_applicant(service, sub))
    assert listing.json()["total"] == 1
    # The withdrawal is ordered after any submission of this application (same key, same
    # partition): once it is read, every ApplicationSubmitted for it has been read too.
    app_id = first.json()["id"]
    await service.client.post(f"/applications/{app_id}/withdraw",
                              headers=as_applicant(service, sub))
    await reader.wait_for_event("ApplicationWithdrawn",
                                where=lambda e: str(e.application_id) == app_id)
    submitted = [e for e in reader.events() if e.event_type == "ApplicationSubmitted"
                 and e.applicant_id == sub]
    assert len(submitted) == 1


async def test_concurrent_retries_with_one_key_make_one_application(service):
    sub = await make_profile(service)
    key = str(uuid.uuid4())
    answers = await asyncio.gather(*(apply(service, sub, key=key) for _ in range(5)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1


async def test_a_key_reused_for_a_different_request_is_refused(service):
    sub = await make_profile(service)
    key = str(uuid.uuid4())
    assert (await apply(service, sub, key=key)).status_code == 201
    r = await apply(service, sub, key=key, desired_length_months=3)
    assert r.status_code == 422
    assert r.json()["field"] == "Idempotency-Key"
    assert "different request" in r.json()["detail"]


async def test_two_concurrent_submissions_for_one_scheme_let_exactly_one_win(service):
    sub = await make_profile(service)
    for _ in range(3):  # a few rounds, so the race is really run
        answers = await asyncio.gather(apply(service, sub, key=str(uuid.uuid4())),
                                       apply(service, sub, key=str(uuid.uuid4())))
        codes = sorted(a.status_code for a in answers)
        assert codes == [201, 422], [a.text for a in answers]
        loser = next(a for a in answers if a.status_code == 422).json()
        assert loser["field"] == "scheme"
        assert "already have a live application for the 'industry' scheme" in loser["detail"]
        winner = next(a for a in answers if a.status_code == 201).json()
        r = await service.client.post(f"/applications/{winner['id']}/withdraw",
                                      headers=as_applicant(service, sub))
        assert r.status_code == 200
    listing = await service.client.get("/applications", headers=as_applicant(service, sub))
    assert listing.json()["total"] == 3
