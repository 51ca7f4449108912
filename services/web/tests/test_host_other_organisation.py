"""A host of another organisation who opens a candidate's or a placement's page (a guessed or
forwarded address) gets the 'Page not found' page: the APIs refuse them, never the page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .browsing import assert_accessible, open_page, sign_in
from .host_journey import host_person, placed_by_api

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


async def test_another_host_organisation_gets_404_on_the_candidate_and_placement_pages(
        web_system, browser):
    owner_sub, owner = host_person()
    match_id, placement_id = await placed_by_api(web_system, owner["org"])
    web = web_system.web
    visit = await open_page(browser)
    try:
        sub, claims = host_person()  # a fresh organisation
        await sign_in(visit, web, sub, claims, "/host")
        for path in (f"/host/proposals/{match_id}", f"/host/placements/{placement_id}"):
            response = await visit.page.goto(web + path)
            assert response.status == 404, path
            await expect(visit.page.locator("h1")).to_have_text("Page not found")
            await expect(visit.page.locator("main")).not_to_contain_text("Quayside")
            await assert_accessible(visit)
        # The owner does see them (so the 404 above is about who asks, not a broken page).
        owner_visit = await open_page(browser)
        try:
            await sign_in(owner_visit, web, owner_sub, owner, "/host")
            await owner_visit.page.goto(f"{web}/host/placements/{placement_id}")
            await expect(owner_visit.page.locator("#status")).to_have_text("Confirmed")
            await assert_accessible(owner_visit)
        finally:
            await owner_visit.close()
    finally:
        await visit.close()
