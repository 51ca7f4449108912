"""Each party gives its own feedback on an ended placement, in a real browser, through pages
only: the host from their placement's page (after starting and ending it there), the applicant
from their application's page, and the releasing employer (role employer of the applicant's
department) from their people's placements. A form sent with nothing answered names every
question; a second visit finds the feedback already given; an employer of another organisation
gets the 404 page. axe-core on every page; with JavaScript on and off."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from playwright.async_api import expect

from .browsing import Visit, assert_accessible, open_page, sign_in
from .host_journey import (
    end_placement,
    host_api,
    host_person,
    placed_by_api,
    start_placement,
    until,
)
from .signing import applicant
from .signing import sign_in as http_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
ANSWERS = {"overall": "4", "objectives_met": "5", "skills_value": "3"}


def sponsor(org: str) -> tuple[str, dict]:
    """Someone speaking for the applicant's department as their releasing employer."""
    sub = f"sponsor.{uuid.uuid4().hex[:8]}"
    return sub, {"roles": ["employer"], "org": org, "name": "Placement sponsor",
                 "email": f"{sub}@example.gov.uk"}


async def give_feedback(visit: Visit, comments: str) -> None:
    """On a placement page with feedback to give: the form, refused empty, then sent."""
    page = visit.page
    await page.click("#give-feedback")
    await expect(page.locator("h1")).to_have_text("Give feedback on the placement")
    await assert_accessible(visit)
    await page.click("#send-feedback")
    summary = page.locator(".govuk-error-summary")
    for words in ("how well the placement went overall", "met its objectives",
                  "how valuable the skills were", "Select yes or no"):
        await expect(summary).to_contain_text(words)
    await assert_accessible(visit)
    feedback_url = page.url
    for name, value in ANSWERS.items():
        await page.check(f"input[name={name}][value='{value}']")
    await page.check("input[name=would_recommend][value=yes]")
    await page.fill("#comments", comments)
    await page.click("#send-feedback")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Thank you for your feedback")
    await expect(page.locator("#feedback-given")).to_be_visible()
    await assert_accessible(visit)
    await page.goto(feedback_url)  # the form again: given once, it says so
    await expect(page.locator("#feedback-given")).to_contain_text("already given")
    await expect(page.locator("#send-feedback")).to_have_count(0)


async def host_ends_and_gives(visit: Visit, web: str, placement_id: str) -> None:
    page = visit.page
    await page.goto(f"{web}/host/placements/{placement_id}")
    await start_placement(visit)
    await expect(page.locator("#your-feedback")).to_have_count(0)  # not before it ends
    await end_placement(visit)
    await give_feedback(visit, "Hi a ddysgodd lawer i ni am bolisi")


async def placee_gives(visit: Visit, web: str, application_id: str) -> None:
    page = visit.page
    url = f"{web}/applications/{application_id}"
    await until(page, url, "#give-feedback")  # once the applicant service has heard the end
    await expect(page.locator("#status")).to_have_text("Ended")
    await assert_accessible(visit)
    await give_feedback(visit, "I learnt how a business prices risk")


async def employer_gives(visit: Visit, web: str, placement_id: str) -> None:
    page = visit.page
    await page.goto(web + "/tasks")
    await page.click("text=Your people's placements")
    await expect(page.locator("h1")).to_have_text("Your people's placements")
    await expect(page.locator(f"#placement-{placement_id}")).to_contain_text("To give")
    await assert_accessible(visit)
    await page.click(f"#placement-{placement_id} a")
    await expect(page.locator("#status")).to_have_text("Ended")
    await assert_accessible(visit)
    await give_feedback(visit, "She came back with a network we lacked")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_the_host_the_placee_and_the_releasing_employer_each_give_their_feedback(
        web_system, browser, javascript):
    web = web_system.web
    host_sub, host_claims = host_person()
    person = applicant()
    _, placement_id = await placed_by_api(web_system, host_claims["org"], person)
    with host_api(web_system, "approval", host_claims["org"]) as approval:
        application_id = approval.get(f"/placements/{placement_id}").json()["application_id"]
    employer_sub, employer_claims = sponsor(person[1]["org"])

    visits = [await open_page(browser, javascript=javascript) for _ in range(3)]
    host, placee, employer = visits
    try:
        await sign_in(host, web, host_sub, host_claims, "/host")
        await host_ends_and_gives(host, web, placement_id)
        await sign_in(placee, web, *person, "/applications")
        await placee_gives(placee, web, application_id)
        await sign_in(employer, web, employer_sub, employer_claims, "/tasks")
        await employer_gives(employer, web, placement_id)
        if not javascript:
            assert not await employer.page.evaluate(
                "document.body.classList.contains('js-enabled')")
    finally:
        for visit in visits:
            await visit.close()

    with host_api(web_system, "approval", host_claims["org"]) as approval:
        given = approval.get(f"/placements/{placement_id}").json()["feedback_given"]
    assert given == ["host", "placee", "releasing_employer"]


async def test_an_employer_of_another_organisation_gets_the_not_found_page(web_system):
    host_sub, host_claims = host_person()
    _, placement_id = await placed_by_api(web_system, host_claims["org"])
    outsider = await asyncio.to_thread(http_sign_in, web_system.web, *sponsor("emp-other"),
                                       "/employer/placements")
    try:
        for path in (f"/employer/placements/{placement_id}",
                     f"/employer/placements/{placement_id}/feedback"):
            page = outsider.get(path)
            assert page.status_code == 404 and "Page not found" in page.text, path
        listed = outsider.get("/employer/placements")
        assert listed.status_code == 200 and placement_id not in listed.text
    finally:
        outsider.close()
