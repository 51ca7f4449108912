"""Browser helpers: a page that records what it requested, real sign-in through the local
OIDC provider's page, axe-core on every page visited, and the applicant's own steps (the
profile, the application) that several journeys share."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, expect

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
KIND_CLAIMS = {"civil_servant": {"org": "dept-dbt"},
               "industry_professional": {"org": "emp-acme"},
               "diplomat": {"org": "post-paris"}}


@dataclass
class Visit:
    context: BrowserContext
    page: Page
    urls: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    javascript: bool = True

    async def close(self) -> None:
        await self.context.close()


async def open_page(browser: Browser, javascript: bool = True) -> Visit:
    context = await browser.new_context(java_script_enabled=javascript,
                                        viewport={"width": 1100, "height": 900})
    # An init script arrives over the DevTools protocol, so the page's CSP does not block it.
    await context.add_init_script(path=str(AXE))
    page = await context.new_page()
    page.set_default_timeout(30_000)
    visit = Visit(context, page, javascript=javascript)
    page.on("request", lambda r: visit.urls.append(r.url))
    page.on("console", lambda m: visit.console_errors.append(m.text)
            if m.type == "error" else None)
    return visit


def person(kind: str) -> tuple[str, dict]:
    sub = f"{kind.split('_')[0]}-{uuid.uuid4().hex[:8]}"
    claims = {"roles": ["applicant"], "applicant_kind": kind, "name": f"Test {sub}",
              "email": f"{sub}@example.org", **KIND_CLAIMS[kind]}
    return sub, claims


async def sign_in(visit: Visit, web: str, sub: str, claims: dict, path: str = "/profile"
                  ) -> None:
    """Through the provider's own sign-in page, as a person would."""
    page = visit.page
    await page.goto(web + path)
    await page.fill("#username", sub)
    await page.fill("#claims", json.dumps(claims))
    await page.click("#sign-in-other")
    await page.wait_for_url(f"{web}{path}*")
    assert visit.page.url.startswith(web), visit.page.url


async def assert_accessible(visit: Visit) -> None:
    """axe-core's WCAG 2.x A and AA rules find nothing on the page as it is now (axe is a
    script: with JavaScript off the same pages were checked by the other journeys)."""
    if not visit.javascript:
        return
    result = await visit.page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values:"
        " tags}}); return r.violations.map(v => ({id: v.id, help: v.help, nodes:"
        " v.nodes.map(n => n.target.join(' ')).slice(0, 3)})); }", WCAG)
    assert result == [], f"{visit.page.url}: {json.dumps(result, indent=1)}"
    visit.checked.add(visit.page.url.split("?")[0])


async def fill_date(page: Page, name: str, day: str, month: str, year: str) -> None:
    await page.fill(f"#{name}-day", day)
    await page.fill(f"#{name}-month", month)
    await page.fill(f"#{name}-year", year)


async def tab_to(page: Page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element has the focus, as a keyboard user moves through a page."""
    await page.wait_for_selector(selector)  # the page the last key press opened has loaded
    for _ in range(limit):
        if await page.evaluate("s => document.activeElement === document.querySelector(s)",
                               selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def key_in(page: Page, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def key_choose(page: Page, selector: str, value: str) -> None:
    """A closed select changes its choice with the arrow keys."""
    await tab_to(page, selector)
    for _ in range(30):
        if await page.eval_on_selector(selector, "e => e.value") == value:
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"{selector} never offered {value}")


async def key_press(page: Page, selector: str, key: str = "Enter") -> None:
    await tab_to(page, selector)
    await page.keyboard.press(key)


# --- the applicant's steps -------------------------------------------------------------

async def fill_profile(visit: Visit, journey: dict) -> None:
    page = visit.page
    await expect(page.locator("h1")).to_have_text("Your profile")
    await assert_accessible(visit)
    for selector, value in journey["profile"].items():
        await page.fill(selector, value)
    for selector, value in journey["selects"].items():
        await page.select_option(selector, value)
    await page.fill("#skills", "policy\ndata")
    await page.click("button:has-text('Save profile')")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    await assert_accessible(visit)


async def about_you(visit: Visit, consent: bool = True) -> None:
    """The application's outcome questions: home region, skills confidence, intention,
    consent to the 6- and 12-month follow-ups (GOV.UK radios, clicked by their labels)."""
    page = visit.page
    await expect(page.locator("h1")).to_have_text(
        "About you and the difference the scheme makes")
    await assert_accessible(visit)
    await page.check("input[name=itl1][value='North West']")
    await page.select_option("#itl2", "TLD3")
    await page.check("input[name=basis][value=home]")
    for skill, level in (("commercial_awareness", "2"), ("working_across_sectors", "3"),
                         ("leading_change", "4")):
        await page.check(f"input[name={skill}][value='{level}']")
    await page.check("input[name=intention][value=undecided]")
    await page.check(f"input[name=consent][value={'yes' if consent else 'no'}]")
    await page.click("#continue")


async def apply(visit: Visit, start: date, consent: bool = True) -> str:
    page = visit.page
    await expect(page.locator("h1")).to_have_text("When could you start?")
    await assert_accessible(visit)
    await fill_date(page, "earliest_start", str(start.day), str(start.month), str(start.year))
    await page.fill("#desired_length_months", "6")
    await page.click("#continue")
    await expect(page.locator("h1")).to_contain_text("Organisations you have dealt with")
    await assert_accessible(visit)
    await page.fill("#interest-1-name", "Acme Widgets")
    await page.select_option("#interest-1-kind", "procurement")
    await page.click("#continue")
    await about_you(visit, consent)
    await expect(page.locator("h1")).to_contain_text("Check your answers")
    await expect(page.locator("main")).to_contain_text("North West, Greater Manchester")
    await expect(page.locator("main")).to_contain_text("Acme Widgets")
    await expect(page.locator("main")).to_contain_text(f"{start.day} {start:%B %Y}")
    await assert_accessible(visit)
    await page.click("#send")
    await expect(page.locator(".govuk-panel__title")).to_have_text("Application sent")
    await assert_accessible(visit)
    return (await page.locator("#reference").inner_text()).strip()


async def reload_until(visit: Visit, selector: str, tries: int = 120, every_ms: int = 500
                       ) -> None:
    """What a page shows often arrives a Kafka hop after the action before it (a stage on a
    task list, a record on the monitor): reload until it shows, or fail naming it."""
    for _ in range(tries):
        if await visit.page.locator(selector).count():
            return
        await visit.page.wait_for_timeout(every_ms)  # between reloads, not instead of a check
        await visit.page.reload()
    raise AssertionError(f"{selector} never appeared on {visit.page.url}")


async def press(visit: Visit, button: str, *shows: tuple[str, str]) -> None:
    """One step of a journey: click `button`, wait until each (selector, words) shows, and run
    axe-core on the page it led to."""
    await visit.page.click(button)
    for selector, words in shows:
        await expect(visit.page.locator(selector)).to_contain_text(words)
    await assert_accessible(visit)
