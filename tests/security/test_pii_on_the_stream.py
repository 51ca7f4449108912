"""Personal data stays off the stream: after a whole journey through the five real services,
no record on any topic (dead letters included) carries the applicant's name or email outside
a field the contracts mark PII, and the PII fields themselves carry only ciphertext; the HR
monitor's live stream shows none of it either."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from contracts.examples import example
from shared.auth import mint_dev_token
from shared.crypto import decode_key, unseal

from contracts import (
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    parse_event,
)
from tests.e2e.actors import Users
from tests.security.pii_journey import (
    Journey,
    Person,
    Record,
    leaks,
    mail_to,
    placed_and_ended,
    read_every_topic,
)


@pytest.fixture(scope="module")
async def journey(security_system) -> Journey:
    async with Users.of(security_system) as users:
        done = await placed_and_ended(users)
    # The notification service opened the sealed address: mail reached the person.
    await mail_to(security_system, done.person.email, count=2)
    return done


async def test_no_topic_carries_the_applicants_personal_data_outside_pii_fields_or_in_clear(
        security_system, journey):
    records = await read_every_topic(security_system)
    ours = [r for r in records if journey.application_id.encode() in r.value]
    assert {json.loads(r.value)["event_type"] for r in ours} >= {
        "ApplicationSubmitted", "MatchProposed", "ApprovalStageOpened", "ApprovalGranted",
        "PlacementApproved", "PlacementConfirmed", "PlacementStarted", "PlacementEnded",
        "NotificationDelivered"}
    found = [hit for r in records for hit in leaks(r, journey.person, pii_fields_too=True)]
    assert found == [], "personal data on the stream:\n" + "\n".join(found)


async def test_the_sealed_contact_on_the_topic_opens_with_the_persons_key_and_nothing_else(
        security_system, journey):
    # Positive control: the scan above looked at data that really was there, sealed.
    records = await read_every_topic(security_system)
    submitted = [e for e in (parse_event(r.value) for r in records if r.topic == "applications")
                 if isinstance(e, ApplicationSubmittedV2)
                 and str(e.application_id) == journey.application_id]
    assert len(submitted) == 1
    event = submitted[0]
    token = mint_dev_token("svc:notification", [])
    async with httpx.AsyncClient(base_url=security_system.url("applicant")) as http:
        key = await http.get(f"/internal/data-keys/{journey.person.sub}",
                             headers={"Authorization": f"Bearer {token}"})
        stranger = await http.get(f"/internal/data-keys/{journey.person.sub}", headers={
            "Authorization": f"Bearer {mint_dev_token('central-hr', ['hr'])}"})
    assert key.status_code == 200, key.text
    assert stranger.status_code == 403, "only allowed service principals get data keys"
    context = ApplicationSubmittedV2.contact_context(event.application_id, event.applicant_id)
    opened = unseal(decode_key(key.json()["key"]), event.applicant_contact.model_dump(), context)
    assert opened == {"name": journey.person.name, "email": journey.person.email}


async def test_the_hr_stream_shows_the_whole_journey_without_the_applicants_personal_data(
        security_system, journey):
    hr = {"Authorization": f"Bearer {mint_dev_token('central-hr', ['hr'])}"}
    params = {"correlation_id": journey.application_id, "last_event_id": "0"}
    frames: list[str] = []
    async with asyncio.timeout(60), \
            httpx.AsyncClient(base_url=security_system.url("monitor"), timeout=30) as http, \
            http.stream("GET", "/stream", headers=hr, params=params) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                frames.append(line)
                if '"PlacementEnded"' in line:
                    break
    assert any('"ApplicationSubmitted"' in f for f in frames)
    leaked = [f for f in frames if journey.person.found_in(f)]
    assert leaked == []


def test_the_leak_detector_finds_personal_data_in_a_plain_field_and_in_a_clear_pii_field():
    # The scans above pass only because nothing leaked, not because they cannot see.
    person = Person.new()
    v1 = example(ApplicationSubmitted, applicant_name=person.name, applicant_email=person.email)
    clear = Record("applications", 0, 7, None, v1.to_bytes(), ())
    assert leaks(clear, person, pii_fields_too=False) == []  # only in fields marked PII
    assert leaks(clear, person, pii_fields_too=True) != []
    plain = example(ApplicationWithdrawn, reason=f"ask {person.email}")
    hits = leaks(Record("applications", 0, 8, None, plain.to_bytes(), ()), person,
                 pii_fields_too=False)
    assert hits and all("non-PII fields" in h for h in hits)
