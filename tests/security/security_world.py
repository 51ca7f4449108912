"""A small world on the running system, built through the real APIs (testkit): one applicant
matched, approved and placed, so every endpoint about one object has an object with an owner."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from shared.auth import mint_dev_token
from testkit.harness.events import TopicReader
from testkit.models import ApplicationIn, DecisionIn, OpportunityIn, ProfileIn, StageOut

from testkit import Api, Caller, approver_for, wait_for
from tests.e2e.system import System
from tests.security.matrix import APPLICATION, HOOK_URL, INTRUDERS, OPPORTUNITY, PRINCIPALS, PROFILE

# Low enough that the limits test can exhaust it quickly, high enough that the world and the
# matrix walk (under ten writes per caller per service) never meet it.
WRITE_RATE_PER_MINUTE = 60
MAX_BODY_BYTES = 64 * 1024
# An applicant with a profile and nothing else, for central HR to erase.
ERASABLE = "sec-carol"


def headers(sub: str, role: str, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(sub, [role], org)}"}


def as_principal(name: str) -> dict[str, str]:
    return headers(*(PRINCIPALS | INTRUDERS)[name])


def caller(api: Api, name: str) -> Caller:
    sub, role, org = (PRINCIPALS | INTRUDERS)[name]
    return Caller(api, sub, (role,), org)


@dataclass
class World:
    ids: dict[str, str]


async def build_world(system: System) -> World:
    """Opportunity, application, proposal, every approval, placement, inbox message, webhook."""
    async with Api({name: proc.url for name, proc in system.services.items()}) as api:
        host, applicant = caller(api, "host"), caller(api, "applicant")
        opp = await host.publish(OpportunityIn(**OPPORTUNITY))
        await applicant.save_profile(ProfileIn(**PROFILE))
        await Caller(api, ERASABLE, ("applicant",)).save_profile(ProfileIn(**PROFILE))
        app = await applicant.apply(ApplicationIn(**APPLICATION), key=uuid.uuid4().hex)
        first_stage = await _approve_every_stage(api, str(app.id))
        placement_id, match_id = await _placement_of(system, str(app.id))
        message = await wait_for(lambda: _first_inbox_message(applicant),
                                 "a message in the applicant's inbox", 30)
        hook = await host.register_webhook(HOOK_URL)
    return World(ids={
        "applicant_id": PRINCIPALS["applicant"][0], "application_id": str(app.id),
        "opportunity_id": str(opp.opportunity_id), "stage_id": first_stage,
        "placement_id": placement_id, "match_id": match_id, "message_id": message,
        "webhook_id": str(hook.id),
        "round_id": str(uuid.uuid4()), "dead_letter_id": "999999999",
        "contact_id": "sec-contact-1", "erasable_applicant_id": ERASABLE})


async def _approve_every_stage(api: Api, application_id: str) -> str:
    """Grants each stage as the approver it names; returns the first stage's id."""
    hr = caller(api, "hr")
    decided: list[str] = []

    async def open_stage() -> StageOut | None:
        return next((s for s in await hr.stages("open") if str(s.application_id) ==
                     application_id and str(s.id) not in decided), None)

    while True:
        stage = await wait_for(open_stage, f"the next open stage of {application_id}", 45)
        approver = approver_for(api, stage, f"sec-{stage.approver_role}-user")
        await approver.decide(stage.id, DecisionIn(decision="grant"))
        decided.append(str(stage.id))
        if stage.approver_role == "host":
            return decided[0]


async def _placement_of(system: System, application_id: str) -> tuple[str, str]:
    async with TopicReader(system.bootstrap, system.prefix + "placements") as reader:
        confirmed = await reader.wait_for_event(
            "PlacementConfirmed", timeout=30,
            where=lambda e: str(e.application_id) == application_id)
    return str(confirmed.placement_id), str(confirmed.match_id)


async def _first_inbox_message(applicant: Caller) -> str | None:
    items = await applicant.inbox()
    return str(items[-1].id) if items else None


async def diplomat_applies(svc, sub: str, name: str, email: str) -> str:
    """A diplomat's profile and application through one in-process applicant service, so the
    outbox has an ApplicationSubmitted to relay over whatever broker link is under test; returns
    the application's id."""
    made = await svc.client.put("/applicants/me", headers=svc.auth(sub, "applicant"), json={
        "kind": "diplomat", "name": name, "email": email, "organisation_id": "post-x",
        "grade": "SEO"})
    assert made.status_code == 201, made.text
    applied = await svc.client.post(
        "/applications", headers=svc.auth(sub, "applicant"),
        json={"scheme": "diplomatic", "earliest_start": "2090-03-01",
              "desired_length_months": 3})
    assert applied.status_code == 201, applied.text
    return applied.json()["id"]


async def consume_until_seen(consumer, needle: str, timeout: float) -> None:
    """Start `consumer` and read until a record carries `needle`; stop it either way (a
    TimeoutError when it never comes)."""
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            async for record in consumer:
                if needle.encode() in record.value:
                    return
    finally:
        await consumer.stop()
