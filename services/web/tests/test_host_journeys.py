"""Hosts in a real browser, through pages only: publish an opportunity (the 250-staff rule shown
before and refused after), change it, see the proposed candidate and why, decline without a
reason (refused), accept, a stale decision form shows who decided, start the placement, extend
it within the 12 months and beyond them (refused), end it early with feedback, close the
opportunity; axe-core on every page. With JavaScript on and off."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from playwright.async_api import expect

from .browsing import assert_accessible, open_page, press, sign_in
from .host_journey import (
    apply_for,
    fill_opportunity,
    grant_before_host,
    host_person,
    manage_placement,
    publish_checked,
    until,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


async def publish(visit, web: str, title: str) -> str:
    page = visit.page
    await page.goto(web + "/")
    await press(visit, "#host-home", ("h1", "Your opportunities"))
    # The 250-staff rule is on the form before anything is sent.
    await press(visit, "#publish-new", ("#sme-rule", "fewer than 250 staff"),
                ("#host_staff_count-hint", "fewer than 250"))
    await press(visit, "#continue", (".govuk-error-summary", "Enter the title"))
    await fill_opportunity(page, title, "diplomatic", "300", country="FR", bcc="bcc-paris")
    await press(visit, "#continue", ("h1", "Check your opportunity"))
    # The matching API's 422, as a GOV.UK error on the field.
    await press(visit, "#publish", (".govuk-error-summary", "fewer than 250 staff"),
                ("#host_staff_count-error", "fewer than 250"))
    await fill_opportunity(page, title, "industry", "120", region="North West")
    await publish_checked(visit, title, ("#answers", "North West, GB"))
    return page.url.rsplit("/", 1)[1]


async def change_places(visit) -> None:
    page = visit.page
    await press(visit, "#edit", ("h1", "Change your opportunity"))
    await page.fill("#capacity", "3")
    await press(visit, "#continue", (".govuk-notification-banner", "saved"),
                ("#details", "Places left"),
                ("#details .govuk-summary-list__row >> nth=0", "3"))


async def decide(visit, web: str, opportunity_url: str) -> str:
    page = visit.page
    await until(page, opportunity_url, "#candidate-list a")
    await assert_accessible(visit)
    await page.click("#candidate-list a")
    proposal_url = page.url
    await expect(page.locator("h1")).to_have_text("Rhiannon Evans")
    await expect(page.locator("#explanation")).to_contain_text("skills you asked for")
    await expect(page.locator("main")).not_to_contain_text("score")  # words, not numbers
    await assert_accessible(visit)
    await until(page, proposal_url, "#send-decision")
    stale = await visit.context.new_page()  # the same form left open in another tab
    await stale.goto(proposal_url)
    await page.check("input[name=decision][value=decline]")
    await page.click("#send-decision")
    await expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are declining")
    await assert_accessible(visit)
    await page.check("input[name=decision][value=accept]")
    await page.click("#send-decision")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("You accepted")
    await expect(page.locator("#stage-outcome")).to_contain_text("Accepted by")
    await assert_accessible(visit)
    await stale.check("input[name=decision][value=decline]")
    await stale.fill("#reason", "No desk free")
    await stale.click("#send-decision")
    await expect(stale.locator("#happened")).to_contain_text("already")
    await expect(stale.locator("#stage-outcome")).to_contain_text("Accepted by")
    await assert_accessible(replace(visit, page=stale))
    await stale.close()
    await until(page, proposal_url, "#placement-link")
    await page.click("#placement-link")
    return proposal_url


async def close(visit) -> None:
    await visit.page.click(".govuk-back-link")
    await press(visit, "#close", ("h1", "Are you sure"))
    await press(visit, "#confirm-close", ("#status", "Closed"))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_a_host_publishes_accepts_a_candidate_and_runs_the_placement(
        web_system, browser, javascript):
    web = web_system.web
    visit = await open_page(browser, javascript=javascript)
    try:
        sub, claims = host_person()
        await sign_in(visit, web, sub, claims, "/host")
        title = f"Robotics policy secondment {sub}"
        opportunity_id = await publish(visit, web, title)
        await change_places(visit)
        application_id = await asyncio.to_thread(apply_for, web_system, opportunity_id)
        await grant_before_host(web_system, application_id)
        await decide(visit, web, f"{web}/host/opportunities/{opportunity_id}")
        await manage_placement(visit)
        await close(visit)
        if javascript:
            assert {f"{web}/host", f"{web}/host/opportunities/new"} <= visit.checked
        else:
            assert not await visit.page.evaluate(
                "document.body.classList.contains('js-enabled')")
    finally:
        await visit.close()
