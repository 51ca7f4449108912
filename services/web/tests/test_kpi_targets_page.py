"""Central HR's KPI targets page in Chromium on the whole system: from HR home to the
quarterly tables, a target refused with the error summary, then set, shown against the
quarter it holds for with met or not met; axe-core clean, and the form works without
JavaScript."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from playwright.async_api import expect

from .browsing import assert_accessible, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
CENTRAL_HR = {"roles": ["hr"], "org": "hr-central", "name": "Central HR"}


def this_quarter() -> str:
    today = date.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


async def test_central_hr_sets_a_target_and_sees_each_quarter_against_it(web_system, browser):
    web, quarter = web_system.web, this_quarter()
    visit = await open_page(browser)
    page = visit.page
    try:
        await sign_in(visit, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr")
        await page.click("#open-kpi-targets")
        await expect(page.locator("h1")).to_have_text("KPI targets")
        await expect(page.locator("#table-fill_rate tbody tr")).to_have_count(4)
        await assert_accessible(visit)

        await page.select_option("#kpi", "fill_rate")
        await page.fill("#target", "150")
        await page.select_option("#from_period", quarter)
        await page.click("#set-target-button")
        await expect(page.locator(".govuk-error-summary")).to_contain_text("from 0 to 100")
        await expect(page.locator("#target")).to_have_value("150")
        await assert_accessible(visit)

        await page.fill("#target", "40")
        await page.click("#set-target-button")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("Target set")
        row = page.locator("#table-fill_rate tr", has_text=quarter)
        await expect(row).to_contain_text("at least 40%")
        # The live system's fill rate this quarter is whatever other tests made it: the
        # result is one of the three, never "No target" once a target is set.
        assert (await row.locator(".govuk-tag").inner_text()).strip() in (
            "Met", "Not met", "No data")
        await expect(page.locator("#target-history")).to_contain_text("Fill rate")
        await assert_accessible(visit)
    finally:
        await visit.close()


async def test_without_javascript_a_regional_target_is_set_with_the_form(web_system, browser):
    web, quarter = web_system.web, this_quarter()
    visit = await open_page(browser, javascript=False)
    page = visit.page
    try:
        await sign_in(visit, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr/kpi-targets")
        await page.select_option("#kpi", "region_share")
        await page.fill("#target", "20")
        await page.select_option("#from_period", quarter)
        await page.click("#set-target-button")  # no region: refused, naming the region
        await expect(page.locator(".govuk-error-summary a[href='#region']")).to_be_visible()
        await page.select_option("#region", "North West")
        await page.click("#set-target-button")
        row = page.locator("#table-region_share-north-west tr", has_text=quarter)
        await expect(row).to_contain_text("at least 20%")
    finally:
        await visit.close()
