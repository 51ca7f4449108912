"""A small world on the running system, built through the real APIs: one applicant matched,
approved and placed, so every endpoint about one object has an object with an owner."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
from matrix import APPLICATION, INTRUDERS, OPPORTUNITY, PRINCIPALS, PROFILE
from shared.auth import mint_dev_token
from shared.testing.events import TopicReader, eventually
from system import System

HR = PRINCIPALS["hr"]
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


@dataclass
class World:
    ids: dict[str, str]


async def build_world(system: System, http: httpx.AsyncClient) -> World:
    """Opportunity, application, proposal, every approval, placement, inbox message, webhook."""
    def url(service: str, path: str) -> str:
        return system.url(service) + path

    async def ok(response: httpx.Response) -> dict:
        assert response.status_code < 300, (response.request.url, response.text)
        return response.json()

    opp = await ok(await http.post(url("matching", "/opportunities"), json=OPPORTUNITY,
                                   headers=as_principal("host")))
    await ok(await http.put(url("applicant", "/applicants/me"), json=PROFILE,
                            headers=as_principal("applicant")))
    await ok(await http.put(url("applicant", "/applicants/me"), json=PROFILE,
                            headers=headers(ERASABLE, "applicant")))
    app = await ok(await http.post(url("applicant", "/applications"), json=APPLICATION,
                                   headers={**as_principal("applicant"),
                                            "Idempotency-Key": uuid.uuid4().hex}))
    first_stage = await _approve_every_stage(system, http, app["id"])
    placement_id = await _placement_of(system, app["id"])
    message = await eventually(lambda: _first_inbox_message(system, http), timeout=30)
    hook = await ok(await http.post(url("notification", "/webhooks"),
                                    json={"url": "http://127.0.0.1:9/sec-hook"},
                                    headers=as_principal("host")))
    return World(ids={
        "applicant_id": PRINCIPALS["applicant"][0], "application_id": app["id"],
        "opportunity_id": opp["opportunity_id"], "stage_id": first_stage,
        "placement_id": placement_id, "message_id": message, "webhook_id": hook["id"],
        "round_id": str(uuid.uuid4()), "dead_letter_id": "999999999",
        "contact_id": "sec-contact-1", "erasable_applicant_id": ERASABLE})


async def _approve_every_stage(system: System, http: httpx.AsyncClient,
                               application_id: str) -> str:
    """Grants each stage as the approver it names; returns the first stage's id."""
    decided: list[str] = []

    async def open_stage() -> dict | None:
        r = await http.get(system.url("approval") + "/stages",
                           params={"status": "open", "limit": 200}, headers=headers(*HR))
        return next((s for s in r.json() if s["application_id"] == application_id
                     and s["id"] not in decided), None)

    async def case_status() -> str | None:
        r = await http.get(system.url("approval") + "/stages", params={"limit": 200},
                           headers=headers(*HR))
        return next((s["case_status"] for s in r.json()
                     if s["application_id"] == application_id), None)

    while True:
        stage = await eventually(open_stage, timeout=45)
        sub = stage["approver_id"] or f"sec-{stage['approver_role']}-user"
        r = await http.post(system.url("approval") + f"/stages/{stage['id']}/decision",
                            json={"decision": "grant"},
                            headers=headers(sub, stage["approver_role"],
                                            stage["approver_org_id"]))
        assert r.status_code == 200, r.text
        decided.append(stage["id"])
        if stage["approver_role"] == "host":
            break
    assert await case_status() is not None
    return decided[0]


async def _placement_of(system: System, application_id: str) -> str:
    async with TopicReader(system.bootstrap, system.prefix + "placements") as reader:
        confirmed = await reader.wait_for_event(
            "PlacementConfirmed", timeout=30,
            where=lambda e: str(e.application_id) == application_id)
    return str(confirmed.placement_id)


async def _first_inbox_message(system: System, http: httpx.AsyncClient) -> str | None:
    r = await http.get(system.url("notification") + "/inbox",
                       headers=as_principal("applicant"))
    items = r.json() if r.status_code == 200 else []
    return items[-1]["id"] if items else None
