"""Screenshots of the main pages for the README, from a real run (not a test):

    uv run --frozen python -m services.web.tests.take_screenshots
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, timedelta
from pathlib import Path

from playwright.async_api import async_playwright

from .browsing import about_you, fill_date, open_page, person, sign_in
from .conftest import ARGS, CHROMIUM
from .web_system import start_web_system, stop_web_system

OUT = Path(__file__).resolve().parents[1] / "docs"


async def shoot(visit, name: str) -> None:
    await visit.page.screenshot(path=str(OUT / f"{name}.png"))


async def shoot_monitor(browser, web: str) -> None:
    """Central HR's monitor, live, with the journey above in its events."""
    visit = await open_page(browser)
    await visit.page.set_viewport_size({"width": 1280, "height": 900})
    await sign_in(visit, web, "hr.shots", {"roles": ["hr"], "org": "hr-central",
                                           "name": "Central HR"}, "/hr/monitor")
    await visit.page.wait_for_selector("#live-status:has-text('Live')")
    await visit.page.screenshot(path=str(OUT / "hr-monitor.png"), full_page=True)
    await visit.close()


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    system = await start_web_system(Path(tempfile.mkdtemp()))
    try:
        opp = system.publish("host.windco", title="Offshore wind policy secondment")
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            visit = await open_page(browser)
            await visit.page.set_viewport_size({"width": 900, "height": 760})
            page, web = visit.page, system.web
            await page.goto(web + "/schemes/industry")
            await shoot(visit, "start")
            sub, claims = person("civil_servant")
            await sign_in(visit, web, sub, claims)
            await page.fill("#organisation_id", "dept-dbt")
            await page.select_option("#grade", "G7")
            await page.fill("#profession", "Policy")
            await page.fill("#line_manager_id", "lm.jones")
            await page.click("button:has-text('Save profile')")
            await page.goto(web + "/opportunities?scheme=industry&sector=clean_energy#results")
            await shoot(visit, "search")
            await page.goto(f"{web}/apply/industry?opportunity={opp['opportunity_id']}")
            await fill_date(page, "earliest_start", "31", "2", "2027")
            await page.fill("#desired_length_months", "13")
            await page.click("#continue")
            await shoot(visit, "errors")
            start = date.today() + timedelta(days=70)
            await fill_date(page, "earliest_start", str(start.day), str(start.month),
                            str(start.year))
            await page.fill("#desired_length_months", "6")
            await page.click("#continue")
            await page.fill("#interest-1-name", "Acme Widgets")
            await page.select_option("#interest-1-kind", "procurement")
            await page.click("#continue")
            await about_you(visit)
            await shoot(visit, "check-answers")
            await page.click("#send")
            await shoot(visit, "confirmation")
            reference = (await page.locator("#reference").inner_text()).strip()
            for _ in range(60):
                await page.goto(f"{web}/applications/{reference}")
                if await page.locator("#proposal").count():
                    break
                await asyncio.sleep(0.5)
            await shoot(visit, "application")
            await visit.close()
            await shoot_monitor(browser, web)
            await browser.close()
    finally:
        await stop_web_system(system)


if __name__ == "__main__":
    asyncio.run(main())
