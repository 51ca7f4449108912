"""Approvers in a real browser, one browser context per person, each signed in through the
local OIDC provider: every stage of an application decided from the task lists; a refusal at
the ethics stage that the applicant reads on their status page, and an out-of-date page that
shows who decided instead of an error; the same journey with JavaScript off. axe-core on every
page visited."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from .approving import (
    Journey,
    decide,
    open_task,
    reload_until,
    send_application,
    signed_in,
    task_row,
)
from .browsing import assert_accessible, open_page, sign_in

STATUS = re.compile(r'id="status">(.*?)</span>', re.S)
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


async def wait_for_status(journey: Journey, status: str) -> None:
    """The applicant's status page once it shows `status` (a Kafka hop after the decision)."""
    shown = ""
    for _ in range(240):
        page = journey.applicant.get(f"/applications/{journey.application_id}")
        found = STATUS.search(page.text)
        shown = re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""
        if shown == status:
            return
        await asyncio.sleep(0.5)  # between polls of a page another process updates
    raise AssertionError(f"the application shows {shown!r}, never {status!r}")


async def test_every_stage_of_an_application_is_decided_from_the_task_lists_by_its_approvers(
        web_system, browser):
    journey = send_application(web_system, interests=("Acme Widgets", "Contoso Energy"))
    visits = []
    try:
        manager = await signed_in(browser, journey, "line_manager")
        visits.append(manager)
        await expect(manager.page.locator("h1")).to_have_text("Your tasks")
        await expect(manager.page.locator(".govuk-service-navigation")).to_contain_text(
            "Your tasks")
        await open_task(manager, journey, "Line manager approval")
        applicant = manager.page.locator("#applicant")
        await expect(applicant).to_contain_text(f"Applicant {journey.tag}")
        await expect(applicant).to_contain_text("Policy, G7")
        await expect(applicant).to_contain_text(journey.org)
        await expect(manager.page.locator("#placement")).to_contain_text(journey.host_name)
        # Declared interests are for the ethics stage only.
        await expect(manager.page.locator("#interests")).to_have_count(0)
        await decide(manager, note="Good for the team")

        hr = await signed_in(browser, journey, "hr")
        visits.append(hr)
        await open_task(hr, journey, "Departmental HR approval")
        await expect(hr.page.locator("#chain-line_manager")).to_contain_text("Good for the team")
        await expect(hr.page.locator("#chain-line_manager")).to_contain_text("Approved")
        await decide(hr)

        ethics = await signed_in(browser, journey, "ethics")
        visits.append(ethics)
        await open_task(ethics, journey, "Conflict of interest check")
        await expect(ethics.page.locator("#declared-interests")).to_contain_text(
            "Contoso Energy (procurement)")
        await expect(ethics.page.locator("#interests-host")).to_have_text(journey.host_name)
        await decide(ethics, mitigation="Stays off the Contoso Energy contract")

        host = await signed_in(browser, journey, "host")
        visits.append(host)
        await open_task(host, journey, "Host acceptance")
        await expect(host.page.locator("#chain-conflict_of_interest")).to_contain_text(
            "Mitigation: Stays off the Contoso Energy contract")
        await expect(host.page.locator("label[for=decision]")).to_have_text("Yes, accept")
        await decide(host)
        await expect(host.page.locator(task_row(journey, "Host acceptance"))).to_have_count(0)

        await wait_for_status(journey, "Confirmed")
    finally:
        for visit in visits:
            await visit.close()


async def test_a_refusal_at_the_ethics_stage_needs_a_reason_which_the_applicant_then_reads(
        web_system, browser):
    journey = send_application(web_system)
    journey.grant("line_manager", "line_manager")
    journey.grant("departmental_hr", "hr")
    web, title = web_system.web, "Conflict of interest check"
    ethics = await signed_in(browser, journey, "ethics")
    # A second ethics officer opens the same case before the first decides.
    late = await signed_in(browser, journey, "ethics", sub=f"ethics2-{journey.tag}",
                           claims={"roles": ["ethics"], "name": "Second ethics officer"})
    person = await open_page(browser)
    try:
        await open_task(late, journey, title)
        await open_task(ethics, journey, title)
        await ethics.page.check("#decision-2")
        await ethics.page.click("#send-decision")
        summary = ethics.page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("Reason is required when refusing")
        await expect(ethics.page).to_have_title(f"Error: {title} – Business Placement "
                                                "Scheme – GOV.UK")
        await assert_accessible(ethics)
        await decide(ethics, "refuse", reason="Leads the host's procurement until March")

        # The second officer's page is out of date: sending shows what happened, not an error.
        await late.page.check("#decision")
        await late.page.click("#send-decision")
        await expect(late.page.locator("h1")).to_have_text("This decision has already been made")
        await expect(late.page.locator("#what-happened")).to_contain_text(
            f"already refused by ethics-{journey.tag} on")
        await assert_accessible(late)
        await late.page.goto(f"{web}/tasks/{(journey.stage('conflict_of_interest'))['id']}")
        await expect(late.page.locator("#what-happened")).to_contain_text(
            f"was refused by ethics-{journey.tag}")
        await expect(late.page.locator("#send-decision")).to_have_count(0)
        await assert_accessible(late)

        await sign_in(person, web, journey.applicant_sub, journey.applicant_claims,
                      f"/applications/{journey.application_id}")
        await reload_until(person, "#timeline li:has-text('Leads the host')")
        await expect(person.page.locator("#timeline")).to_contain_text(
            "refused (Leads the host's procurement until March)")
        await assert_accessible(person)
    finally:
        for visit in (ethics, late, person):
            await visit.close()


async def test_an_approver_decides_from_the_task_list_with_javascript_switched_off(
        web_system, browser):
    journey = send_application(web_system)
    manager = await signed_in(browser, journey, "line_manager", javascript=False)
    page = manager.page
    try:
        await page.select_option("#scheme", "industry")
        await page.select_option("#sort", "opened")
        await page.click("#show-tasks")
        await expect(page).to_have_url(f"{web_system.web}/tasks?scheme=industry&sort=opened")
        await reload_until(manager, task_row(journey, "Line manager approval"))
        await page.locator(task_row(journey, "Line manager approval")).get_by_role(
            "link").click()
        await reload_until(manager, "#applicant")
        await page.click("#send-decision")
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Select whether you approve or refuse")
        # Without JavaScript the reason box is simply on the page (no reveal needed).
        await page.check("#decision-2")
        await page.click("#send-decision")
        await expect(page.locator(".govuk-error-summary")).to_contain_text("Reason")
        await page.check("#decision")
        await page.fill("#note", "Fine by me")
        await page.click("#send-decision")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text(
            "Your decision was recorded")
        assert not await page.evaluate("document.body.classList.contains('js-enabled')")
        with journey.api("approval", "line_manager") as api:
            decided = api.get(f"/stages/{journey.stage('line_manager')['id']}").json()
        assert (decided["status"], decided["note"]) == ("granted", "Fine by me")
    finally:
        await manager.close()
