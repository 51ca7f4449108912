"""The outcome follow-up in a real browser: an applicant who consented at application and then
withdrew is emailed, 6 months on, a link to the form; they answer it (axe-core clean, and the
same form works with JavaScript off), and a second answer from another tab is told the first
one counts. The follow-up timers' clock is driven, never waited for."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from datetime import date, timedelta

import pytest
from applicant.outcome_rules import at_send_time
from applicant.outcome_timers import FollowUpPoller
from applicant.outcomes import Outcomes
from playwright.async_api import expect
from shared.db import create_pool
from shared.outbox import Outbox
from shared.unit_of_work import UnitsOfWork
from testkit.harness.events import eventually

from .browsing import apply, assert_accessible, fill_profile, open_page, person, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
PROFILE = {"profile": {"#organisation_id": "dept-dbt", "#profession": "Policy",
                       "#line_manager_id": "lm.jones"}, "selects": {"#grade": "G7"}}
LINK = re.compile(r"https?://\S+/follow-ups/[0-9a-f-]{36}")


async def fire_six_months_on(system, sub: str) -> None:
    """The applicant service's follow-up timer, run here at the 6-month moment."""
    pool = await create_pool(system.dsns["applicant"], max_size=2)
    try:
        async def due_on():
            return await pool.fetchval("SELECT due_on FROM follow_ups WHERE applicant_id = $1"
                                       " AND kind = 6", sub)

        due = await eventually(due_on, timeout=60)
        outcomes = Outcomes(UnitsOfWork(pool, Outbox(system.prefix)), clock=None)
        assert await FollowUpPoller(outcomes, 3600).fire_due(at_send_time(due)) == 1
    finally:
        await pool.close()


async def emailed_link(system, sub: str) -> str:
    for _ in range(240):
        for path in sorted(system.mail.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",)).get_content()
            if sub in str(message["To"]) and (found := LINK.search(text)):
                return found.group(0)
        await asyncio.sleep(0.5)  # between looks at a folder another process writes
    raise AssertionError(f"no follow-up email to {sub}")


async def answer(visit, situation: str) -> None:
    page = visit.page
    await page.check(f"input[name=situation][value={situation}]")
    for skill in ("commercial_awareness", "working_across_sectors", "leading_change"):
        await page.check(f"input[name={skill}][value='4']")
    await page.check("input[name=intention][value=stay_in_sector]")
    await page.click("#send")


async def test_a_consenting_applicant_answers_the_emailed_follow_up_once(web_system, browser):
    web = web_system.web
    visit = await open_page(browser)
    second = await open_page(browser, javascript=False)
    try:
        sub, claims = person("civil_servant")
        await sign_in(visit, web, sub, claims)
        await fill_profile(visit, PROFILE)
        await visit.page.goto(f"{web}/apply/industry")
        reference = await apply(visit, date.today() + timedelta(days=80))
        await visit.page.goto(f"{web}/applications/{reference}/withdraw")
        await visit.page.click("#confirm-withdraw")
        await expect(visit.page.locator("#status")).to_have_text("Withdrawn")

        await fire_six_months_on(web_system, sub)
        link = await emailed_link(web_system, sub)
        path = link[link.index("/follow-ups/"):]
        # A second tab, without JavaScript, opens the same form before the first answers.
        await sign_in(second, web, sub, claims, path)
        await expect(second.page.locator("h1")).to_have_text("Your work 6 months on")

        page = visit.page
        await page.goto(web + path)
        await expect(page.locator("h1")).to_have_text("Your work 6 months on")
        await assert_accessible(visit)
        await page.click("#send")  # nothing chosen: every question says what is missing
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Select where you work now")
        await assert_accessible(visit)
        await answer(visit, "same_organisation_new_role")
        await expect(page.locator(".govuk-panel__title")).to_have_text("Answers sent")
        await assert_accessible(visit)

        await answer(second, "not_working")
        await expect(second.page.locator(".govuk-error-summary")).to_contain_text(
            "the first answer counts")
        await page.goto(web + path)
        await expect(page.locator("#follow-up-state")).to_contain_text("You answered")
        await assert_accessible(visit)
    finally:
        await visit.close()
        await second.close()
