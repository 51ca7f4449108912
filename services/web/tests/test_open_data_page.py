"""The open-data page, in Chromium, with no sign-in: the latest release as GOV.UK tables with
HTML bars, Greater Manchester shown in its own row, the files downloadable from this site,
past releases linked, and axe-core clean. The monitor is a stand-in serving files made by the
monitor's own release code (its real routes are tested in services/monitor/tests)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import httpx
import pytest
from monitor.opendata import files
from monitor.opendata.periods import Quarter
from monitor.opendata.rules import Cell
from playwright.async_api import expect
from testkit.harness.events import eventually
from testkit.harness.serving import served
from web.app import build_app
from web.config import WebSettings

from .browsing import assert_accessible, open_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
OLD, NEW = Quarter(2026, 2), Quarter(2026, 3)
CELLS = {Cell("industry", "clean_energy", "ITL2", "TLD3", "small"): 15,
         Cell("industry", "clean_energy", "ITL2", "TLD7", "small"): 5,
         Cell("government", "defence", "ITL2", "TLI3", "large"): 10,
         Cell("diplomatic", "life_sciences", "country", "FR", "micro"): 5}


def stand_in_monitor() -> httpx.MockTransport:
    made = {OLD: files.build(OLD, {}, datetime(2026, 7, 8, tzinfo=UTC)),
            NEW: files.build(NEW, CELLS, datetime(2026, 10, 8, tzinfo=UTC))}

    def release(q: Quarter) -> dict:
        return {"period": str(q), "period_start": q.first_day.isoformat(),
                "period_end": q.last_day.isoformat(), "released_at": q.due_at(7).isoformat(),
                "release_date": q.due_at(7).date().isoformat(), "made_by": "timer",
                "files": {}}

    def monitor(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        assert "authorization" not in request.headers  # open data: nobody's token
        if path == "/open-data/releases":
            return httpx.Response(200, json={"items": [release(NEW), release(OLD)],
                                             "next_release": {"period": "2026-Q4",
                                                              "due_on": "2027-01-08"}})
        _, _, _, period, name = path.split("/")
        q = Quarter.parse(period)
        if q not in made:
            return httpx.Response(404, json={"detail": "period: not released"})
        return httpx.Response(200, text=made[q][name])

    return httpx.MockTransport(monitor)


def web_site():
    return served(build_app(WebSettings(), stand_in_monitor()))


async def test_anyone_sees_the_latest_release_with_greater_manchester_and_downloads_it(browser):
    async with web_site() as web:
        visit = await open_page(browser)
        try:
            page = visit.page
            await page.goto(web + "/open-data")
            await expect(page.locator("h1")).to_have_text("Business Placement Scheme placements")
            await expect(page.locator("#release")).to_contain_text("2026-Q3")
            await expect(page.locator("#release")).to_contain_text("Open Government Licence v3.0")
            manchester = page.locator("#uk-areas tr", has_text="Greater Manchester")
            await expect(manchester).to_contain_text("North West")
            await expect(manchester.locator("td").last).to_have_text("15")
            north_west = page.locator("#by-region tr", has_text="North West")
            await expect(north_west.locator("td").first).to_have_text("20")  # 15 + 5
            await expect(north_west.locator("meter")).to_have_attribute("value", "20")
            await expect(page.locator("#abroad tr", has_text="France")).to_contain_text("5")
            assert await page.locator("script:not([src])").count() == 0
            await assert_accessible(visit)

            csv_href = await page.locator("#downloads a", has_text="CSV").first.get_attribute(
                "href")
            got = await page.request.get(web + csv_href)
            assert got.ok and got.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(await got.text())))
            assert {r["area_name"] for r in rows} >= {"Greater Manchester", "France"}
            package = await page.request.get(web + "/open-data/releases/2026-Q3/datapackage.json")
            assert json.loads(await package.text())["licenses"][0]["name"] == "OGL-UK-3.0"

            await page.get_by_role("link", name="2026-Q2", exact=True).click()
            await expect(page.locator("#release")).to_contain_text("2026-Q2")
            await expect(page.locator("#uk-areas")).to_contain_text("No figure reached 5 yet.")
            await assert_accessible(visit)
            missing = await page.goto(web + "/open-data/2025-Q1")
            assert missing.status == 404
        finally:
            await visit.close()


async def test_the_real_monitor_s_timer_release_is_on_the_page_for_anyone(web_system, browser):
    """The whole system: the monitor's timer has released the latest due quarter by itself,
    and the page (no sign-in) shows it and relays its files from the real monitor."""
    web = web_system.web
    async with httpx.AsyncClient(base_url=web_system.url("monitor"), timeout=10) as monitor:
        async def released() -> list:  # the timer looks as the monitor starts
            return (await monitor.get("/open-data/releases")).json()["items"]

        items = await eventually(released, timeout=60, interval=0.5)
    assert items[0]["made_by"] == "timer"
    period = items[0]["period"]
    visit = await open_page(browser)
    try:
        page = visit.page
        await page.goto(web + "/open-data")
        await expect(page.locator("#release")).to_contain_text(period)
        await expect(page.locator("#releases")).to_contain_text(period)
        await assert_accessible(visit)
        got = await page.request.get(f"{web}/open-data/releases/{period}/datapackage.json")
        assert got.ok and json.loads(await got.text())["period"]["name"] == period
    finally:
        await visit.close()
