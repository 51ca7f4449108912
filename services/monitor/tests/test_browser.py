"""The HR page in headless Chromium (Debian's, driven by Playwright), against the real stack."""

from pathlib import Path

import pytest

from contracts import ApplicationWithdrawn, MatchProposed

from .conftest import next_event, publish_events, submitted

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[3] / ".local" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def chromium_installed():
    # `make setup` installs it; a missing browser is a failure, not a silent skip.
    assert CHROMIUM.exists(), "needs Debian chromium: run `make setup` or apt-get install chromium"


async def test_the_page_shows_a_new_event_live_and_opens_its_timeline(service):
    from playwright.async_api import async_playwright, expect

    token = service.auth("hr-alice", "hr")["Authorization"].removeprefix("Bearer ")
    first = submitted()
    match = next_event(MatchProposed, first)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            await page.goto(f"{service.url}/#token={token}")
            await expect(page.locator("#status")).to_have_text("live", timeout=15_000)
            assert "token" not in page.url  # the fragment is dropped once stored

            await publish_events(service, first, match, next_event(ApplicationWithdrawn, first))
            row = page.locator(f'#events tr[data-event-id="{first.event_id}"]')
            await expect(row).to_be_visible(timeout=15_000)
            await expect(row).not_to_contain_text(first.applicant_name)

            await row.click()
            steps = page.locator("#timeline ol.steps li")
            await expect(steps).to_have_count(3, timeout=15_000)
            await expect(steps.first).to_contain_text("ApplicationSubmitted")
            await expect(page.locator("#timeline")).to_contain_text(f"by {first.applicant_id}")
            await expect(page.locator("#k-applications")).to_have_text("1", timeout=10_000)

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / "monitor.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            await browser.close()


async def test_the_page_asks_for_a_token_and_refuses_a_non_hr_one(service):
    from playwright.async_api import async_playwright, expect

    host = service.auth("host-1", "host", org="org-windco")["Authorization"].split()[1]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            await page.goto(service.url + "/")
            await expect(page.locator("#login")).to_be_visible()
            await page.fill("#token", host)
            await page.click("#login-form button")
            await expect(page.locator("#login-error")).to_contain_text("roles: hr",
                                                                      timeout=10_000)
        finally:
            await browser.close()
