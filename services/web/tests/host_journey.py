"""What the host tests need besides the browser: an applicant for one opportunity (through the
applicant's own pages over HTTP), the approvers before the host granting by API with their
real tokens, and a host persona of a fresh organisation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
from web import devoidc

from .signing import applicant, civil_servant_profile, date_fields, post_form, sign_in
from .web_system import opportunity

# The industry chain before the host: each stage's decider among the local personas.
BEFORE_HOST = ("lm.jones", "hr.dbt", "ethics.officer")
EARLIEST = timedelta(days=45)  # before the opportunity's window opens (60 days)


def host_person() -> tuple[str, dict]:
    org = f"host-{uuid.uuid4().hex[:8]}"
    return f"lead.{org}", {"roles": ["host"], "org": org, "name": "Placement lead",
                           "email": f"lead@{org}.example"}


def apply_for(web_system, opportunity_id: str) -> str:
    """A civil servant applies to this one opportunity through the pages; the application."""
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    post_form(client, "/profile", civil_servant_profile(name="Rhiannon Evans"))
    start = date.today() + EARLIEST
    when = f"/apply/industry?opportunity={opportunity_id}"
    post_form(client, "/apply/industry", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": "6"}, page=when)
    post_form(client, "/apply/industry/interests", {})
    sent = post_form(client, "/apply/industry/check", {})
    assert sent.status_code == 303, sent.text[-800:]
    return sent.headers["location"].split("/")[2]


async def grant_before_host(web_system, application_id: str) -> None:
    """Each approver before the host grants their stage once it opens."""
    for persona in BEFORE_HOST:
        with web_system.client("approval", persona) as api:
            stage = await _open_stage(api, application_id, persona)
            granted = api.post(f"/stages/{stage['id']}/decision", json={"decision": "grant"})
            assert granted.status_code == 200, granted.text


async def _open_stage(api, application_id: str, persona: str) -> dict:
    for _ in range(240):  # the stage opens once the previous grant has gone round Kafka
        stages = api.get("/stages", params={"status": "open", "limit": 200})
        assert stages.status_code == 200, stages.text
        found = [s for s in stages.json() if s["application_id"] == application_id]
        if found:
            return found[0]
        await asyncio.sleep(0.5)
    raise AssertionError(f"no stage of {application_id} ever opened for {persona}")


def host_api(web_system, service: str, org: str):
    """An API client acting as a host of `org` (a client-credentials token for it)."""
    token = devoidc.client_token(web_system.oidc_port, f"lead.{org}", role="host", org=org)
    return httpx.Client(base_url=web_system.url(service), timeout=30.0,
                        headers={"Authorization": f"Bearer {token}"})


async def placed_by_api(web_system, org: str) -> tuple[str, str]:
    """An opportunity of `org`, a candidate for it and their placement, all through the APIs;
    (the proposal's match id, the placement id)."""
    with host_api(web_system, "matching", org) as matching:
        made = matching.post("/opportunities", json=opportunity(
            host_name="Quayside Analytics", required_skills=["policy"]))
        assert made.status_code == 201, made.text
        opportunity_id = made.json()["opportunity_id"]
        application_id = await asyncio.to_thread(apply_for, web_system, opportunity_id)
        await grant_before_host(web_system, application_id)
        with host_api(web_system, "approval", org) as approval:
            stage = await _open_stage(approval, application_id, org)
            accepted = approval.post(f"/stages/{stage['id']}/decision",
                                     json={"decision": "accept"})
            assert accepted.status_code == 200, accepted.text
        for _ in range(240):  # matching reads PlacementConfirmed from Kafka
            found = matching.get(f"/opportunities/{opportunity_id}/candidates").json()
            if found and found[0]["placement_id"]:
                return found[0]["match_id"], found[0]["placement_id"]
            await asyncio.sleep(0.5)
    raise AssertionError("the placement never reached matching")
