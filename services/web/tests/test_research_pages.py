"""The evaluator's journey in Chromium on the whole system: sign in as an evaluator (the
Industrial Strategy Council's analyst), land on the research page that says what an extract
holds and how small groups are hidden, request one, download its CSV and dictionary; then
central HR finds it in the extract log. axe-core on every page; anyone else is not found."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from playwright.async_api import expect
from web.routes.auth import home_of

from .browsing import assert_accessible, open_page, sign_in
from .signing import applicant, apply_once, csrf_of
from .signing import sign_in as http_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]
EVALUATOR = {"roles": ["evaluator"], "org": "isc", "name": "ISC analyst"}
CENTRAL_HR = {"roles": ["hr"], "org": "hr-central", "name": "Central HR"}


async def test_an_evaluator_requests_an_extract_downloads_it_and_hr_sees_it_logged(
        web_system, browser):
    web = web_system.web
    sub, claims = applicant()
    apply_once(http_sign_in(web, sub, claims))  # someone to (not) find in the extract
    purpose = f"Regional balance, interim {uuid.uuid4().hex[:6]}"
    visit = await open_page(browser)
    page = visit.page
    try:
        await sign_in(visit, web, f"isc-{uuid.uuid4().hex[:8]}", EVALUATOR, "/research")
        await expect(page.locator("h1")).to_have_text("Research extracts")
        await expect(page.locator("#rule + p")).to_contain_text("shared by at least 5")
        await expect(page.locator("#no-extracts")).to_be_visible()
        await assert_accessible(visit)

        await page.click("#request-extract")  # no purpose: the error summary says so
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter what the extract is for")
        await assert_accessible(visit)
        await page.fill("#purpose", purpose)
        await page.click("#request-extract")
        await expect(page.locator("h1")).to_have_text("Research extract")
        await expect(page.locator("#summary")).to_contain_text(purpose)
        await expect(page.locator("#rule")).to_contain_text("[c]")
        await assert_accessible(visit)

        links = page.locator("#files a")
        await expect(links).to_have_count(5)
        href = await page.locator("#files a", has_text="applications.csv").get_attribute(
            "href")
        got = await page.request.get(web + href)
        assert got.ok and got.headers["content-disposition"].startswith("attachment")
        text = await got.text()
        assert next(csv.reader(io.StringIO(text)))[:3] == ["application", "applicant",
                                                           "scheme"]
        assert sub not in text  # the applicant's own id never leaves the monitor
        dictionary = await page.request.get(
            web + href.replace("applications.csv", "dictionary.csv"))
        rows = list(csv.DictReader(io.StringIO(await dictionary.text())))
        assert {r["column"] for r in rows} >= {"result", "host_region", "reason"}
        await page.goto(web + "/research")
        await expect(page.locator("#extracts")).to_contain_text(purpose)
        await assert_accessible(visit)
    finally:
        await visit.close()

    hr = await open_page(browser)
    try:
        await sign_in(hr, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr")
        await hr.page.click("#open-extract-log")
        row = hr.page.locator("#extract-log tr", has_text=purpose)
        await expect(row).to_contain_text("isc-")
        await assert_accessible(hr)
    finally:
        await hr.close()


async def test_without_javascript_the_request_form_works(web_system, browser):
    visit = await open_page(browser, javascript=False)
    try:
        await sign_in(visit, web_system.web, f"isc-{uuid.uuid4().hex[:8]}", EVALUATOR,
                      "/research")
        await visit.page.fill("#purpose", "No script needed")
        await visit.page.uncheck("#schemes-2")
        await visit.page.click("#request-extract")
        await expect(visit.page.locator("#summary")).to_contain_text("Diplomatic, Industry")
    finally:
        await visit.close()


def test_people_who_are_not_evaluators_get_page_not_found(web_system):
    web = web_system.web
    person = http_sign_in(web, *applicant())
    pages = ("/research", f"/research/extracts/{uuid.uuid4()}",
             f"/research/extracts/{uuid.uuid4()}/applications.csv", "/hr/research-extracts",
             "/hr/kpi-targets")
    assert {p: person.get(p).status_code for p in pages} == dict.fromkeys(pages, 404)
    token = csrf_of(person.get("/profile"))
    assert person.post("/research/extracts", data={"csrf_token": token, "purpose": "nosy",
                                                   "schemes": "industry"}).status_code == 404
    evaluator = http_sign_in(web, f"isc-{uuid.uuid4().hex[:6]}", EVALUATOR, "/research")
    assert evaluator.get("/hr/research-extracts").status_code == 404


def test_an_evaluator_signing_in_without_a_page_to_return_to_lands_on_research():
    assert home_of({"roles": ["evaluator"]}) == "/research"
    assert home_of({"roles": ["hr", "evaluator"]}) == "/hr"
