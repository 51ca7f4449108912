"""Sessions, CSRF, headers and whose data a person can see, against the running system."""

from __future__ import annotations

import time

import httpx
import pytest

from .signing import (
    applicant,
    apply_once,
    civil_servant_profile,
    date_fields,
    land,
    post_form,
    sign_in,
)
from .web_system import extra_web

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def test_pages_carry_a_strict_csp_and_the_cookie_is_http_only_and_lax(web_system):
    page = httpx.get(web_system.web + "/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert "<script>" not in page.text  # no inline script at all


def test_a_form_posted_without_its_csrf_token_is_refused(web_system):
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    refused = client.post("/profile", data=civil_servant_profile())
    assert refused.status_code == 400 and "could not be sent" in refused.text
    assert client.get("/profile").text.count('value="Test Person"') <= 1  # nothing saved


def test_another_persons_application_is_a_not_found_page(web_system):
    owner_sub, owner_claims = applicant()
    owner = sign_in(web_system.web, owner_sub, owner_claims)
    application_id = apply_once(owner)
    assert owner.get(f"/applications/{application_id}").status_code == 200
    other_sub, other_claims = applicant()
    other = sign_in(web_system.web, other_sub, other_claims)
    for path in (f"/applications/{application_id}", f"/applications/{application_id}/withdraw",
                 f"/applications/{application_id}/confirmation", "/applications/not-an-id"):
        answer = other.get(path)
        assert answer.status_code == 404 and "Page not found" in answer.text, path
        assert owner_sub not in answer.text


def test_sign_out_ends_the_session_so_its_cookie_is_worthless(web_system):
    sub, claims = applicant()
    client = sign_in(web_system.web, sub, claims)
    stolen = dict(client.cookies.items())
    out = post_form(client, "/sign-out", {}, page="/profile")
    assert out.status_code == 303
    replay = httpx.get(web_system.web + "/applications", cookies=stolen)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/sign-in")


def test_an_expired_session_signs_in_again_and_returns_with_what_was_typed(web_system):
    web = extra_web(web_system, session_idle_minutes="0.05")  # 3 seconds
    web.start(240)
    try:
        sub, claims = applicant()
        client = sign_in(web.url, sub, claims)
        assert post_form(client, "/profile", civil_servant_profile()).status_code == 303
        token_page = client.get("/apply/industry")
        time.sleep(3.5)  # the idle limit itself is what this test waits out
        typed = {**date_fields("earliest_start", "14", "7", "2027"),
                 "desired_length_months": "5", "csrf_token": "stale"}
        lapsed = client.post("/apply/industry", data=typed)
        assert lapsed.status_code == 303 and lapsed.headers["location"].startswith("/sign-in")
        assert "stale" not in token_page.text
        page = land(client, web.url, sub, claims, "/apply/industry")
        assert 'value="14"' in page.text and 'value="5"' in page.text
        # kept once: a later visit starts from the saved answers again, not the lapsed post
        assert 'value="14"' not in client.get("/apply/industry").text
    finally:
        web.stop()


def test_an_api_that_is_down_gives_the_sorry_page_with_503(web_system):
    web = extra_web(web_system, matching_url="http://127.0.0.1:9")  # nothing listens there
    web.start(240)
    try:
        sub, claims = applicant()
        client = sign_in(web.url, sub, claims)
        down = client.get("/opportunities")
        assert down.status_code == 503
        assert "Sorry, there is a problem with the service" in down.text
    finally:
        web.stop()


def test_the_services_trust_the_providers_tokens_and_no_longer_dev_ones(web_system):
    from shared.auth import mint_dev_token
    from web import devoidc

    from .web_system import opportunity

    token = devoidc.client_token(web_system.oidc_port, "script-host", "host", "org-script")
    made = httpx.post(web_system.url("matching") + "/opportunities", json=opportunity(),
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert made.status_code == 201 and made.json()["host_org_id"] == "org-script"
    forged = mint_dev_token("script-host", ["host"], "org-script")
    refused = httpx.get(web_system.url("matching") + "/opportunities", timeout=30,
                        headers={"Authorization": f"Bearer {forged}"})
    assert refused.status_code == 401
