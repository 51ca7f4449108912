"""Host pages given the wrong person, a missing CSRF token, a garbled address or an approval
service that is down; and the words a host reads for a match and for the 12-month cap."""

from __future__ import annotations

import json
import uuid
from datetime import date

import httpx
import pytest
from web.routes.host_words import explanation_words, time_left

from .host_journey import host_person
from .signing import applicant, post_form, sign_in
from .web_system import extra_web


def test_the_time_left_counts_calendar_months_up_to_twelve_from_the_start():
    assert time_left(date(2027, 3, 1), date(2027, 9, 1))["words"] == "6 months"
    assert time_left(date(2027, 1, 31), date(2027, 12, 15))["words"] == "1 month and 16 days"
    full = time_left(date(2027, 3, 1), date(2028, 3, 1))
    assert full["none"] and full["latest"] == date(2028, 3, 1)


def test_the_explanation_reads_as_sentences_strongest_first():
    words = explanation_words({
        "factors": [{"name": "sector", "raw_score": 1.0, "contribution": 1.0},
                    {"name": "skills", "raw_score": 0.5, "contribution": 1.5}],
        "filters_checked": [{"name": "clearance", "passed": True, "detail": "held SC"}]})
    assert words["fits"] == ["Has some of the skills you asked for",
                             "Wants to work in this sector"]
    assert words["checks"] == ["Holds the security clearance needed (or can be vetted for it)"]


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_people_who_are_not_hosts_get_page_not_found_and_forms_need_their_token(web_system):
    sub, claims = applicant()
    person = sign_in(web_system.web, sub, claims, "/host")
    for path in ("/host", "/host/opportunities/new", f"/host/placements/{uuid.uuid4()}"):
        page = person.get(path)
        assert page.status_code == 404 and "Page not found" in page.text, path
    sub, claims = host_person()
    host = sign_in(web_system.web, sub, claims, "/host")
    home = host.get("/")
    assert 'href="/host"' in home.text and "Go to your opportunities" in home.text
    assert "You have not published any opportunities yet" in host.get("/host").text
    forged = host.post("/host/opportunities/new", data={"title": "Forged"})
    assert forged.status_code == 400 and "could not be sent" in forged.text
    assert host.get("/host/proposals/not-an-id").status_code == 404
    assert host.get(f"/host/proposals/{uuid.uuid4()}").status_code == 404
    empty = post_form(host, "/host/opportunities/new", {})
    assert empty.status_code == 422 and "Enter the title" in empty.text


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_an_approval_service_that_is_down_gives_the_host_the_sorry_page(web_system):
    web = extra_web(web_system, approval_url="http://127.0.0.1:9")  # nothing listens there
    web.start(240)
    try:
        sub, claims = host_person()
        host = sign_in(web.url, sub, claims, "/host")
        down = host.get(f"/host/placements/{uuid.uuid4()}")
        assert down.status_code == 503
        assert "Sorry, there is a problem with the service" in down.text
    finally:
        web.stop()


@pytest.mark.browser
@pytest.mark.timeout(900)
def test_a_host_signing_in_from_the_start_page_lands_on_their_opportunities(web_system):
    sub, claims = host_person()
    client = httpx.Client(base_url=web_system.web, timeout=30.0)
    login = client.get("/sign-in", follow_redirects=True)
    back = client.post(str(login.url), follow_redirects=True,
                       data={"username": sub, "claims": json.dumps(claims)})
    assert str(back.url) == web_system.web + "/host"
    assert "Publish a new opportunity" in back.text and 'href="/applications"' not in back.text
