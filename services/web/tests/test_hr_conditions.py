"""HR sees the conditions people carry back from a placement: a civil servant's placement ends
(through the APIs, with the host's real token), and HR finds the former host, the grade and
the date the restriction ends on its page, with and without JavaScript; axe-core on each page.
Anyone without the hr role hears 'Page not found'."""

from __future__ import annotations

import calendar

import pytest
from playwright.async_api import expect

from .browsing import assert_accessible, open_page, person, sign_in
from .host_journey import TODAY, host_api, host_person, placed_by_api
from .signing import sign_in as http_sign_in
from .test_hr_monitor import CENTRAL_HR

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def six_months_after(day) -> str:
    """'<Month> <year>' six months on: the G7 period (the test profile's grade)."""
    index = day.month - 1 + 6
    return f"{calendar.month_name[index % 12 + 1]} {day.year + index // 12}"


async def ended_placement(web_system) -> tuple[str, str]:
    """A civil servant's placement with a fresh host, started and ended today (an end may not
    lie in the future); (org, placement)."""
    _, claims = host_person()
    org = claims["org"]
    _, placement_id = await placed_by_api(web_system, org)
    with host_api(web_system, "approval", org) as approval:
        started = approval.post(f"/placements/{placement_id}/start",
                                json={"started_on": str(TODAY)})
        assert started.status_code == 200, started.text
        ended = approval.post(f"/placements/{placement_id}/end",
                              json={"outcome": "completed", "ended_on": str(TODAY)})
        assert ended.status_code == 200, ended.text
    return org, placement_id


@pytest.mark.parametrize("javascript", [True, False])
async def test_hr_sees_a_returning_civil_servants_conditions_in_force(web_system, browser,
                                                                      javascript):
    org, placement_id = await ended_placement(web_system)
    visit = await open_page(browser, javascript=javascript)
    page = visit.page
    try:
        await sign_in(visit, web_system.web, f"hr-{placement_id[:8]}", CENTRAL_HR, "/hr")
        await page.click("#open-conditions")
        await expect(page.locator("h1")).to_have_text("Conditions after a placement")
        row = page.locator(f"#condition-{placement_id}")
        await expect(row).to_contain_text(org)
        await expect(row.locator("td").nth(2)).to_have_text("G7")
        await expect(row.locator("td").nth(4)).to_contain_text(six_months_after(TODAY))
        await expect(row).to_contain_text(f"placement approvals involving {org}")
        await assert_accessible(visit)
        await page.click("#show-all")
        await expect(page.locator(f"#condition-{placement_id}")).to_have_count(1)
        await expect(page.locator("#show-in-force")).to_be_visible()
        await assert_accessible(visit)
    finally:
        await visit.close()


def test_someone_without_the_hr_role_hears_page_not_found(web_system):
    sub, claims = person("civil_servant")
    client = http_sign_in(web_system.web, sub, claims)
    refused = client.get("/hr/return-conditions")
    assert refused.status_code == 404 and "Page not found" in refused.text
