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


async def key_step(page, selector: str, shows: tuple[str, str], key: str = "Enter") -> None:
    """Act on a control from the keyboard, then wait for what it leads to."""
    await key_press(page, selector, key)
    await expect(page.locator(shows[0])).to_contain_text(shows[1])


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
        await key_step(page, "button.govuk-button", (".govuk-notification-banner", "saved"))
        await key_step(page, 'a[href="/opportunities"]', ("h1", "Find a placement"))
        await key_choose(page, "#sector", "defence")
        await key_choose(page, "#region", "Wales")
        await key_press(page, "#apply-filters")
        await expect(page.locator("#results")).to_have_text("1 placement found")
        await key_step(page, f'a[href="/opportunities/{opp["opportunity_id"]}"]', ("h1", title))
        await key_press(page, "#apply")

        start = date.today() + timedelta(days=80)
        for part, value in (("day", start.day), ("month", start.month), ("year", start.year)):
            await key_in(page, f"#earliest_start-{part}", str(value))
        await key_in(page, "#desired_length_months", "3")
        await key_step(page, "#continue", ("h1", "Organisations you have dealt"))
        await key_step(page, "#continue", ("h1", "About you"))
        # Space on a group's first radio chooses it (GOV.UK radios: ids are the names).
        for group in ("itl1", "basis", "commercial_awareness", "working_across_sectors",
                      "leading_change", "intention", "consent"):
            await key_press(page, f"#{group}", " ")
        await key_step(page, "#continue", ("h1", "Check your answers"))
        await key_step(page, "#send", (".govuk-panel__title", "Application sent"), key=" ")
        await assert_accessible(visit)
    finally:
        await visit.close()
