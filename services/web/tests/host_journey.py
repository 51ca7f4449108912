"""What the host tests need besides the browser: an applicant for one opportunity (through the
applicant's own pages over HTTP), the approvers before the host granting by API with their
real tokens, and a host persona of a fresh organisation; and the host's own browser steps that
several journeys share (the opportunity form, reloading until an event shows, running a
placement from start to end)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
from playwright.async_api import expect
from web import devoidc

from .browsing import assert_accessible, fill_date, press
from .signing import applicant, civil_servant_profile, date_fields, post_form, sign_in
from .web_system import opportunity

# The industry chain before the host: each stage's decider among the local personas.
BEFORE_HOST = ("lm.jones", "hr.dbt", "ethics.officer")
EARLIEST = timedelta(days=45)  # before the opportunity's window opens (60 days)
TODAY = date.today()
# A placement starts when the window opens (60 days), after the applicant is free (45 days).
START = TODAY + timedelta(days=60)


def host_person() -> tuple[str, dict]:
    org = f"host-{uuid.uuid4().hex[:8]}"
    return f"lead.{org}", {"roles": ["host"], "org": org, "name": "Placement lead",
                           "email": f"lead@{org}.example"}


def apply_for(web_system, opportunity_id: str, person: tuple[str, dict] | None = None) -> str:
    """A civil servant (`person`, else a fresh one) applies to this one opportunity through
    the pages; the application."""
    sub, claims = person or applicant()
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


async def placed_by_api(web_system, org: str, person: tuple[str, dict] | None = None
                        ) -> tuple[str, str]:
    """An opportunity of `org`, a candidate for it (`person`, else a fresh one) and their
    placement, all through the APIs; (the proposal's match id, the placement id)."""
    with host_api(web_system, "matching", org) as matching:
        made = matching.post("/opportunities", json=opportunity(
            host_name="Quayside Analytics", required_skills=["policy"]))
        assert made.status_code == 201, made.text
        opportunity_id = made.json()["opportunity_id"]
        application_id = await asyncio.to_thread(apply_for, web_system, opportunity_id, person)
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


# --- the host in a browser: the form, waiting for events, running a placement -------------

def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return day.replace(year=day.year + index // 12, month=index % 12 + 1, day=min(day.day, 28))


async def fill_opportunity(page, title: str, scheme: str, staff: str, **place) -> None:
    await page.fill("#title", title)
    await page.check(f"input[name=scheme][value={scheme}]")
    await page.fill("#host_name", "Harbour Robotics Ltd")
    await page.fill("#host_staff_count", staff)
    await page.select_option("#host_sector", "advanced_manufacturing")
    await page.fill("#country", place.get("country", "GB"))
    await page.select_option("#region", place.get("region", ""))
    await page.fill("#bcc_chamber_id", place.get("bcc", ""))
    await page.select_option("#sector", "advanced_manufacturing")
    await page.fill("#required_skills", "policy")
    for name, days in (("start_window_from", 60), ("start_window_to", 240),
                       ("closing_date", 30)):
        d = TODAY + timedelta(days=days)
        await fill_date(page, name, str(d.day), str(d.month), str(d.year))
    await page.fill("#length_months", "6")
    await page.fill("#capacity", "2")
    if place.get("clearance"):
        await page.select_option("#clearance_needed", place["clearance"])


async def until(page, url: str, selector: str) -> None:
    """Reloads until the services' events have shown `selector` on the page."""
    for _ in range(240):
        await page.goto(url)
        if await page.locator(selector).count():
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"{selector} never appeared on {url}")


async def manage_placement(visit) -> None:
    await start_placement(visit)
    await extend_placement(visit)
    await end_placement(visit)


async def start_placement(visit) -> None:
    """On a confirmed placement's page: it starts."""
    page = visit.page
    await expect(page.locator("#status")).to_have_text("Confirmed")
    await expect(page.locator("#time-left")).to_contain_text("6 months")
    await assert_accessible(visit)
    await press(visit, "#start", ("#status", "Started"))


async def publish_checked(visit, title: str, *check_shows: tuple[str, str]) -> None:
    """From a filled opportunity form: the check-answers page (showing `check_shows`), publish,
    and the published opportunity's own page."""
    await press(visit, "#continue", ("h1", "Check your opportunity"), *check_shows)
    await press(visit, "#publish", (".govuk-panel__title", "Opportunity published"))
    await press(visit, "#view-opportunity", ("h1", title))


async def extend_placement(visit) -> date:
    """Extended to 9 months, then refused 13 months (the 12-month cap); the new end date."""
    page = visit.page
    within, beyond = add_months(START, 9), add_months(START, 13)
    await fill_date(page, "new_end_date", str(within.day), str(within.month), str(within.year))
    await page.click("#extend")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("end date")
    await expect(page.locator("#time-left")).to_contain_text("3 months")
    await assert_accessible(visit)
    await fill_date(page, "new_end_date", str(beyond.day), str(beyond.month), str(beyond.year))
    await page.click("#extend")
    await expect(page.locator(".govuk-error-summary")).to_contain_text("past 12 months")
    await expect(page.locator("#time-left")).to_contain_text("3 months")
    await assert_accessible(visit)
    return within


async def end_placement(visit) -> None:
    """Ended early today (it started today: an end lies between the start and today), with a
    reason and the host's rating."""
    page = visit.page
    await page.check("input[name=outcome][value=ended_early]")
    await fill_date(page, "ended_on", str(TODAY.day), str(TODAY.month), str(TODAY.year))
    await page.fill("#reason", "Y tîm wedi symud i Gaerdydd")
    await page.check("input[name=host_rating][value='4']")
    await page.fill("#skills_gained", "robot safety policy")
    await page.click("#end")
    await expect(page.locator("#status")).to_have_text("Ended")
    await expect(page.locator("#placement")).to_contain_text("It ended early")
    await assert_accessible(visit)
