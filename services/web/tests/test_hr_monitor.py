"""Central HR's monitor on the web service: signed in through the provider like everyone else,
the page rendered from the monitor's API with the session's token (never the browser's), the
live stream relayed, dead letters replayed with server-rendered forms; axe-core on every page.
Anyone else hears 'Page not found'."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from playwright.async_api import expect
from shared.dlq import FailedMessage, dead_letter
from testkit.harness.kafka import kafka_bootstrap_servers

from .browsing import Visit, assert_accessible, open_page, reload_until, sign_in
from .signing import applicant, apply_once, csrf_of
from .signing import sign_in as http_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CENTRAL_HR = {"roles": ["hr"], "org": "hr-central", "name": "Central HR"}


async def poison(system, marker: str) -> None:
    """A record a consumer gave up on, as every service's consumer dead-letters it."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers())
    await producer.start()
    try:
        # Its own position: the monitor groups dead letters by the record's position.
        offset = uuid.uuid4().int % 1_000_000_000
        msg = FailedMessage(topic=f"{system.prefix}applications", partition=0, offset=offset,
                            key=b"k", value=b'{"not": "an event"}')
        await dead_letter(producer, msg, "matching", "handler_failed", marker, 3)
    finally:
        await producer.stop()


async def replay_marked(visit: Visit, marker: str) -> None:
    page = visit.page
    row = page.locator("#dead-letter-table tr", has_text=marker)
    await reload_until(visit, f'#dead-letter-table tr:has-text("{marker}")',
                       tries=30, every_ms=1_000)
    dead_id = (await row.get_attribute("id")).removeprefix("dead-letter-")
    await row.locator("button", has_text="Replay").click()
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Dead letter {dead_id} was replayed")
    await expect(page.locator("#dead-letter-table tr", has_text=marker)).to_have_count(0)


async def test_central_hr_sees_a_journey_live_opens_its_timeline_and_replays_a_dead_letter(
        web_system, browser):
    web, marker = web_system.web, f"RuntimeError: hr test {uuid.uuid4().hex[:8]}"
    await poison(web_system, marker)
    visit = await open_page(browser)
    page = visit.page
    try:
        await sign_in(visit, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr")
        await expect(page.locator("h1")).to_have_text("HR home")
        await assert_accessible(visit)
        await page.click("#open-monitor")
        await expect(page.locator("h1")).to_have_text("Monitor")
        await expect(page.locator("#live-status")).to_contain_text("Live", timeout=30_000)
        await assert_accessible(visit)

        # An applicant applies meanwhile: the event arrives on the open page by itself.
        sub, claims = applicant()
        application_id = apply_once(http_sign_in(web, sub, claims))
        submitted = page.locator(f'#events tr:has(a[href="/hr/monitor/timeline/'
                                 f'{application_id}"]):has(td:nth-child(3):text-is('
                                 f'"ApplicationSubmitted"))')
        await expect(submitted).to_be_visible(timeout=60_000)
        await assert_accessible(visit)

        await submitted.get_by_role("link").click()
        await expect(page.locator("h1")).to_contain_text(application_id)
        await expect(page.locator("#timeline li").first).to_contain_text(
            "ApplicationSubmitted")
        await assert_accessible(visit)

        await page.goto(web + "/hr/monitor")
        await replay_marked(visit, marker)
        await assert_accessible(visit)
        # The session's token never reached the browser: no URL, no page carries one.
        assert not [u for u in visit.urls if "token" in u.split("?", 1)[-1].lower()]
        assert "Bearer" not in await page.content()
    finally:
        await visit.close()


async def test_without_javascript_hr_filters_by_application_and_replays_with_a_form(
        web_system, browser):
    web, marker = web_system.web, f"RuntimeError: no-js {uuid.uuid4().hex[:8]}"
    await poison(web_system, marker)
    sub, claims = applicant()
    application_id = apply_once(http_sign_in(web, sub, claims))
    visit = await open_page(browser, javascript=False)
    page = visit.page
    try:
        await sign_in(visit, web, f"hr-{uuid.uuid4().hex[:8]}", CENTRAL_HR, "/hr/monitor")
        await page.fill("#correlation_id", application_id)
        await page.click("#show-events")
        await reload_until(visit, "#events tr:has-text('ApplicationSubmitted')",
                           tries=30, every_ms=1_000)
        # Only that application's events are listed.
        links = await page.locator("#events tbody a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
        assert set(links) == {f"/hr/monitor/timeline/{application_id}"}, links
        await replay_marked(visit, marker)
    finally:
        await visit.close()


def test_people_without_central_hr_get_page_not_found(web_system):
    web = web_system.web
    sub, claims = applicant()
    person = http_sign_in(web, sub, claims)
    for path in ("/hr", "/hr/monitor", "/hr/monitor/stream", "/hr/monitor/timeline/"
                 + str(uuid.uuid4())):
        refused = person.get(path)
        assert refused.status_code == 404, path
        assert "Page not found" in refused.text
    token = csrf_of(person.get("/profile"))
    assert person.post("/hr/monitor/dead-letters/1/replay",
                       data={"csrf_token": token}).status_code == 404
    # Departmental HR has the role but the monitor refuses its org: the same page.
    departmental = http_sign_in(web, f"hr-{uuid.uuid4().hex[:6]}",
                                {"roles": ["hr"], "org": "dept-dbt"}, "/hr")
    assert departmental.get("/hr/monitor").status_code == 404


def test_the_stream_is_relayed_for_central_hr_and_a_replay_needs_the_forms_token(web_system):
    hr = http_sign_in(web_system.web, f"hr-{uuid.uuid4().hex[:6]}", CENTRAL_HR, "/hr")
    with hr.stream("GET", "/hr/monitor/stream", params={"backlog": 0}) as live:
        assert live.status_code == 200
        assert live.headers["content-type"].startswith("text/event-stream")
        assert next(line for line in live.iter_lines() if line).startswith(": ready")
    refused = hr.get("/hr/monitor/stream", params={"type": "NoSuchEvent"})
    assert refused.status_code == 400 and "NoSuchEvent" in refused.text
    assert hr.post("/hr/monitor/dead-letters/1/replay").status_code == 400


def test_central_hr_signing_in_from_the_start_page_lands_on_hr_home(web_system):
    client = httpx.Client(base_url=web_system.web, timeout=30.0)
    login = client.get("/sign-in", follow_redirects=True)
    back = client.post(str(login.url), follow_redirects=True, data={
        "username": f"hr-{uuid.uuid4().hex[:6]}", "claims": json.dumps(CENTRAL_HR)})
    assert str(back.url) == web_system.web + "/hr"
    assert 'href="/hr/monitor"' in back.text and 'href="/applications"' not in back.text
