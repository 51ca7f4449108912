"""Signing in over plain HTTP (no browser) through the real provider, for the fast tests."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, timedelta

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def applicant(kind: str = "civil_servant") -> tuple[str, dict]:
    sub = f"http-{uuid.uuid4().hex[:10]}"
    orgs = {"civil_servant": "dept-dbt", "industry_professional": "emp-acme",
            "diplomat": "post-paris"}
    return sub, {"roles": ["applicant"], "applicant_kind": kind, "org": orgs[kind],
                 "name": "Test Person", "email": f"{sub}@example.org"}


def sign_in(web: str, sub: str, claims: dict, next_path: str = "/profile",
            client: httpx.Client | None = None) -> httpx.Client:
    """A client holding a signed-in session: /sign-in, the provider's page, the callback."""
    client = client or httpx.Client(base_url=web, timeout=30.0)
    land(client, web, sub, claims, next_path)
    return client


def land(client: httpx.Client, web: str, sub: str, claims: dict, next_path: str
         ) -> httpx.Response:
    """Sign in and return the page the person lands on afterwards."""
    login = client.get(f"/sign-in?next={next_path}", follow_redirects=True)
    assert "Local sign-in" in login.text, login.text[:300]
    back = client.post(str(login.url), data={"username": sub, "claims": json.dumps(claims)},
                       follow_redirects=True)
    assert str(back.url).startswith(web + next_path), back.url
    return back


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "no CSRF token on the page"
    return found.group(1)


def post_form(client: httpx.Client, path: str, data: dict, page: str | None = None
              ) -> httpx.Response:
    """GET the page (or `page`) for its CSRF token, then POST the form as a browser would."""
    token = csrf_of(client.get(page or path))
    return client.post(path, data={"csrf_token": token, **data})


def civil_servant_profile(**fields) -> dict:
    return {"kind": "civil_servant", "name": "Test Person", "email": "test@example.org",
            "organisation_id": "dept-dbt", "grade": "G7", "profession": "Policy",
            "line_manager_id": "lm.jones", "skills": "policy", **fields}


def date_fields(name: str, d: str, m: str, y: str) -> dict:
    return {f"{name}-day": d, f"{name}-month": m, f"{name}-year": y}


def apply_once(client: httpx.Client) -> str:
    """A civil servant's whole application over HTTP; its id."""
    post_form(client, "/profile", civil_servant_profile())
    start = date.today() + timedelta(days=45)
    post_form(client, "/apply/industry", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": "3"})
    post_form(client, "/apply/industry/interests", {})
    sent = post_form(client, "/apply/industry/check", {})
    assert sent.status_code == 303, sent.text[-800:]
    return sent.headers["location"].split("/")[2]
