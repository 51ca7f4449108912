"""The whole application with the keyboard alone: Tab to move, type, arrows in a list, Enter
or Space to act. Focus must reach every control in a sensible order for this to pass."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import expect

from .browsing import (
    assert_accessible,
    key_choose,
    key_in,
    key_press,
    open_page,
    person,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


async def test_an_industry_expert_applies_using_only_the_keyboard(web_system, browser):
    title = f"Keyboard placement {date.today().isoformat()}"
    opp = web_system.publish("host.windco", title=title, scheme="government",
                             sector="defence", region="Wales")
    visit = await open_page(browser)
    page = visit.page
    try:
        sub, claims = person("industry_professional")
        await sign_in(visit, web_system.web, sub, claims)
        await key_in(page, "#organisation_id", "emp-acme")
        await key_in(page, "#role", "Rheolwr data")
        await key_press(page, "button.govuk-button")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")

        await key_press(page, 'a[href="/opportunities"]')
        await expect(page.locator("h1")).to_have_text("Find a placement")
        await key_choose(page, "#sector", "defence")
        await key_choose(page, "#region", "Wales")
        await key_press(page, "#apply-filters")
        await expect(page.locator("#results")).to_have_text("1 placement found")
        await key_press(page, f'a[href="/opportunities/{opp["opportunity_id"]}"]')
        await expect(page.locator("h1")).to_have_text(title)
        await key_press(page, "#apply")

        start = date.today() + timedelta(days=80)
        await key_in(page, "#earliest_start-day", str(start.day))
        await key_in(page, "#earliest_start-month", str(start.month))
        await key_in(page, "#earliest_start-year", str(start.year))
        await key_in(page, "#desired_length_months", "3")
        await key_press(page, "#continue")
        await expect(page.locator("h1")).to_contain_text("Organisations you have dealt")
        await key_press(page, "#continue")
        await expect(page.locator("h1")).to_contain_text("About you")
        # Space on a group's first radio chooses it (GOV.UK radios: ids are the names).
        for group in ("itl1", "basis", "commercial_awareness", "working_across_sectors",
                      "leading_change", "intention", "consent"):
            await key_press(page, f"#{group}", " ")
        await key_press(page, "#continue")
        await expect(page.locator("h1")).to_contain_text("Check your answers")
        await key_press(page, "#send", " ")
        await expect(page.locator(".govuk-panel__title")).to_have_text("Application sent")
        await assert_accessible(visit)
    finally:
        await visit.close()
