"""Applicants in a real browser: sign in through the local OIDC provider, fill the profile,
find a placement by filtering, apply, check answers, confirmation, matched, timeline, inbox;
axe-core on every page."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from .browsing import (
    apply,
    assert_accessible,
    fill_profile,
    open_page,
    person,
    press,
    sign_in,
)

# The first test also waits for seven processes to start on a loaded machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

JOURNEYS = {
    # A sector and region no other browser test publishes in (their default is clean energy in
    # the North West), so the filters find exactly this one in the session's shared system.
    "civil_servant": {
        "opportunity": {"scheme": "industry", "sector": "professional_and_business_services",
                        "region": "Yorkshire and The Humber"},
        "filters": {"#scheme": "industry", "#sector": "professional_and_business_services",
                    "#region": "Yorkshire and The Humber"},
        "profile": {"#organisation_id": "dept-dbt", "#profession": "Policy",
                    "#line_manager_id": "lm.jones"},
        "selects": {"#grade": "G7"}},
    "industry_professional": {
        "opportunity": {"scheme": "government", "sector": "digital_and_technologies",
                        "region": "London", "host_name": "Department for Business"},
        "filters": {"#scheme": "government", "#sector": "digital_and_technologies",
                    "#region": "London"},
        "profile": {"#organisation_id": "emp-acme", "#role": "Head of Data"},
        "selects": {}},
    "diplomat": {
        "opportunity": {"scheme": "diplomatic", "sector": "creative_industries",
                        "country": "FR", "region": None, "bcc_chamber_id": "bcc-paris",
                        "host_name": "Atelier Lumière SARL", "host_staff_count": 40},
        "filters": {"#scheme": "diplomatic", "#sector": "creative_industries"},
        "texts": {"#country": "FR"},
        "profile": {"#organisation_id": "post-paris"},
        "selects": {"#grade": "SEO"}},
}


async def find_and_open(visit, web: str, journey: dict, title: str) -> None:
    page = visit.page
    await page.goto(web + "/opportunities")
    await assert_accessible(visit)
    for selector, value in journey["filters"].items():
        await page.select_option(selector, value)
    for selector, value in journey.get("texts", {}).items():
        await page.fill(selector, value)
    await page.click("#apply-filters")
    await expect(page.locator("#results")).to_have_text("1 placement found")
    await assert_accessible(visit)
    await page.click(f"text={title}")
    await expect(page.locator("h1")).to_have_text(title)
    await assert_accessible(visit)
    await page.click("#apply")


async def until_matched(visit, web: str, reference: str) -> str:
    """Reloads the application's page until matching's proposal shows; the status then."""
    page = visit.page
    for _ in range(120):  # matching proposes within seconds; the page shows it on reload
        await page.goto(f"{web}/applications/{reference}")
        if "matched with opportunity" in await page.locator("#timeline").inner_text():
            return (await page.locator("#status").inner_text()).strip()
        await asyncio.sleep(0.5)
    raise AssertionError("the application never showed as matched")


@pytest.mark.parametrize("kind", list(JOURNEYS))
async def test_an_applicant_signs_in_applies_and_sees_the_match(web_system, browser, kind):
    journey = JOURNEYS[kind]
    title = f"Placement for {kind} {date.today().isoformat()}"
    web_system.publish("host.windco", title=title, **journey["opportunity"])
    visit = await open_page(browser)
    try:
        sub, claims = person(kind)
        await sign_in(visit, web_system.web, sub, claims)
        await fill_profile(visit, journey)
        await find_and_open(visit, web_system.web, journey, title)
        reference = await apply(visit, date.today() + timedelta(days=70))
        status = await until_matched(visit, web_system.web, reference)
        # the approval chain may already have opened by the time the page is read
        assert status in ("Matched", "In approval"), status
        page = visit.page
        await expect(page.locator("#proposal")).to_be_visible()
        await expect(page.locator("main")).to_contain_text(journey["opportunity"].get(
            "host_name", "Windco Ltd"))
        await expect(page.locator("#timeline")).to_contain_text("application submitted")
        await assert_accessible(visit)
        await page.goto(web_system.web + "/inbox")
        await expect(page.locator("#messages li").first).to_be_visible(timeout=60_000)
        await assert_accessible(visit)
        if kind == "civil_servant":
            await withdraw(visit, web_system.web, reference)
        # no token ever travels in an address, and the CSP never had to block anything
        assert not [u for u in visit.urls if "token=" in u or "eyJ" in u]
        assert not [e for e in visit.console_errors if "Content Security Policy" in e]
    finally:
        await visit.close()


async def withdraw(visit, web: str, reference: str) -> None:
    page = visit.page
    await page.goto(f"{web}/applications/{reference}")
    await press(visit, "#withdraw", ("h1", "Are you sure"))
    await page.fill("#reason", "Mae fy nghynlluniau wedi newid ✈️")
    await press(visit, "#confirm-withdraw", (".govuk-notification-banner", "withdrawn"),
                ("#status", "Withdrawn"), ("#timeline", "Mae fy nghynlluniau"))


async def test_a_whole_application_works_with_javascript_switched_off(web_system, browser):
    journey = JOURNEYS["industry_professional"]
    title = f"No-script placement {date.today().isoformat()}"
    web_system.publish("host.windco", title=title, **{**journey["opportunity"],
                                                       "sector": "life_sciences"})
    journey = {**journey, "filters": {**journey["filters"], "#sector": "life_sciences"}}
    visit = await open_page(browser, javascript=False)
    try:
        sub, claims = person("industry_professional")
        await sign_in(visit, web_system.web, sub, claims)
        await fill_profile(visit, journey)
        await find_and_open(visit, web_system.web, journey, title)
        reference = await apply(visit, date.today() + timedelta(days=75))
        await until_matched(visit, web_system.web, reference)
        assert not await visit.page.evaluate("document.body.classList.contains('js-enabled')")
    finally:
        await visit.close()
