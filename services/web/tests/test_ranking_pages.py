"""An applicant ranks opportunities from the browse pages: 'Add to my ranking' on each
opportunity, then 'My ranking' to move one up or down and remove one, with and without
JavaScript; a choice the host closed meanwhile is refused by matching and said in words
(its title, not its id). axe-core on every page."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from playwright.async_api import expect
from web.messages import Problem
from web.routes.ranking import CLOSED, in_words

from .approving import publish
from .browsing import assert_accessible, open_page, person, sign_in
from .host_journey import host_api
from .signing import apply_once
from .signing import sign_in as http_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def three_opportunities(web_system) -> tuple[str, list[tuple[str, str]]]:
    """A fresh host's three placements; (its org, [(id, title)])."""
    org = f"host-{uuid.uuid4().hex[:8]}"
    titles = [f"Rankable placement {n} {org}" for n in ("A", "B", "C")]
    return org, [(publish(web_system, org, title=t)["opportunity_id"], t) for t in titles]


async def ranked_titles(page) -> list[str]:
    return await page.locator("#ranked > li > a").all_inner_texts()


def close(web_system, org: str, opportunity_id: str) -> None:
    with host_api(web_system, "matching", org) as api:
        closed = api.post(f"/opportunities/{opportunity_id}/close", json={"reason": "filled"})
    assert closed.status_code == 200, closed.text


async def known_to_matching(client, application_id: str) -> None:
    """Until matching has read the submission, 'My ranking' says it is on its way; wait for
    that to pass (and check the page says it meanwhile rather than 'Page not found')."""
    for _ in range(240):
        page = await asyncio.to_thread(client.get, f"/applications/{application_id}/ranking")
        assert page.status_code == 200 and "My ranking" in page.text, page.text[-500:]
        if 'id="pending"' not in page.text:
            return
        await asyncio.sleep(0.5)  # between checks of the condition, not instead of one
    raise AssertionError(f"matching never learnt of application {application_id}")


@pytest.mark.parametrize("javascript", [True, False])
async def test_an_applicant_adds_reorders_and_removes_opportunities_in_their_ranking(
        web_system, browser, javascript):
    org, opportunities = three_opportunities(web_system)
    (a, title_a), (b, title_b), (c, title_c) = opportunities
    sub, claims = person("civil_servant")
    client = http_sign_in(web_system.web, sub, claims)
    application_id = apply_once(client)
    await known_to_matching(client, application_id)
    visit = await open_page(browser, javascript=javascript)
    page = visit.page
    try:
        await sign_in(visit, web_system.web, sub, claims, f"/opportunities/{a}")
        await assert_accessible(visit)
        for opportunity_id, _ in opportunities:
            await page.goto(f"{web_system.web}/opportunities/{opportunity_id}")
            await page.click("#add-to-ranking")
            await expect(page.locator("h1")).to_have_text("My ranking")
        assert page.url.endswith(f"/applications/{application_id}/ranking?added=1")
        assert await ranked_titles(page) == [title_a, title_b, title_c]
        await assert_accessible(visit)

        await page.click(f"#up-{c}")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("number 2")
        assert await ranked_titles(page) == [title_a, title_c, title_b]
        await page.click(f"#down-{a}")
        assert await ranked_titles(page) == [title_c, title_a, title_b]
        await page.click(f"#remove-{a}")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("removed")
        assert await ranked_titles(page) == [title_c, title_b]
        await assert_accessible(visit)

        # Adding one already ranked says so and changes nothing.
        await page.goto(f"{web_system.web}/opportunities/{b}")
        await page.click("#add-to-ranking")
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("already")
        assert await ranked_titles(page) == [title_c, title_b]

        # The host closes one; the next change is refused, and the person is told which
        # and what to do, in words (no id).
        close(web_system, org, c)
        await page.click(f"#up-{b}")
        summary = page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("A placement you ranked is closed: remove it")
        await expect(summary).not_to_contain_text(c)
        assert await ranked_titles(page) == [CLOSED, title_b]  # nothing changed
        await assert_accessible(visit)
        await page.click(f"#remove-{c}")
        assert await ranked_titles(page) == [title_b]
    finally:
        await visit.close()


def test_a_deadline_refusal_is_said_with_a_date_not_a_timestamp():
    said = in_words(Problem("ranking_deadline", (
        "Ranking for round 3f9a6c1e-5b8d-4e0a-9c2f-7d1b2a3c4e5f closed at "
        "2027-01-05T14:30:00+00:00; lists can change again once it has run")), {})
    closed = in_words(Problem("opportunity_ids", "Opportunity "
                              "3f9a6c1e-5b8d-4e0a-9c2f-7d1b2a3c4e5f is closed"),
                      {"3f9a6c1e-5b8d-4e0a-9c2f-7d1b2a3c4e5f": "Wind policy"})
    assert closed.message == ("“Wind policy” is closed: remove it to change the rest of "
                              "your ranking")
    assert said.message == ("Ranking closed at 5 January 2027 at 2:30pm; lists can change "
                            "again once it has run")
    assert said.field == "ranking"
