"""Central HR's matching rounds on the web: the list, one round's report as tables (no script
needed), the monitor's agreement, the JSON and CSV downloads; axe-core on every page. Anyone
else hears 'Page not found' (test_hr_monitor.py checks every /hr address)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.async_api import expect
from web import devoidc

from .browsing import assert_accessible, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CENTRAL_HR = {"roles": ["hr"], "org": "hr-central", "name": "Central HR"}


def run_a_round(web_system) -> str:
    """A round run now by central HR through matching's API (a real provider token)."""
    # at least one place, so the tables have rows
    web_system.publish("host.windco", title="Round report place")
    token = devoidc.client_token(web_system.oidc_port, f"hr-{uuid.uuid4().hex[:6]}",
                                 role="hr", org="hr-central")
    with httpx.Client(base_url=web_system.url("matching"), timeout=60.0,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        response = api.post("/rounds", json={"seed": 2027})
    assert response.status_code in (200, 201), response.text
    return response.json()["round_id"]


async def test_central_hr_reads_a_round_report_as_tables_without_javascript(web_system,
                                                                          browser):
    round_id = run_a_round(web_system)
    web = web_system.web
    visit = await open_page(browser, javascript=False)
    page = visit.page
    try:
        await sign_in(visit, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr")
        await page.click("#open-rounds")
        await expect(page.locator("h1")).to_have_text("Matching rounds")
        await assert_accessible(visit)
        await page.click(f'#round-{round_id} a')
        await expect(page.locator("h1")).to_have_text("Round report")
        await expect(page.locator("#summary")).to_contain_text("2027")
        await expect(page.locator("#verdict")).to_contain_text("Stable")
        for table in ("#by-scheme", "#by-sector", "#by-region", "#by-country"):
            await expect(page.locator(f"{table} tbody tr").first).to_be_visible()
        # The monitor rebuilds the report from events a moment later: reload until it has.
        for _ in range(60):
            if "agrees" in await page.locator("#monitor-agrees").inner_text():
                break
            await page.wait_for_timeout(1_000)  # between reloads, not instead of a check
            await page.reload()
        await expect(page.locator("#monitor-agrees")).to_contain_text("it agrees")
        await assert_accessible(visit)
        csv = await page.request.get(web + f"/hr/rounds/{round_id}/report.csv")
        assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "verification,,stable,True" in await csv.text()
        data = await page.request.get(web + f"/hr/rounds/{round_id}/report.json")
        assert (await data.json())["seed"] == 2027
        assert "Bearer" not in await page.content()
    finally:
        await visit.close()

