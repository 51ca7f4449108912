"""Helpers for the approver tests: a host of its own per test, an application sent through the
web pages to that host's placement, the approvers of its chain as people (each with their own
sign-in), and deciding a stage from a task list in a browser."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
from playwright.async_api import expect
from web import devoidc

from .browsing import Visit, assert_accessible, open_page, reload_until, sign_in
from .signing import csrf_of, date_fields, post_form
from .signing import sign_in as http_sign_in
from .web_system import WebSystem, opportunity

CENTRAL_HR = {"roles": ["hr"], "org": "hr-central", "name": "Central HR"}


@dataclass
class Journey:
    """One application to its own host, and who decides each of its stages."""

    tag: str
    system: WebSystem
    scheme: str
    applicant: httpx.Client | None  # the applicant's signed-in web session (None: a browser's)
    application_id: str
    host_name: str
    org: str  # the applicant's department or employer
    applicant_sub: str
    applicant_claims: dict

    @property
    def host_org(self) -> str:
        return f"host-{self.tag}"

    @property
    def bcc_chamber(self) -> str:
        """The British Chambers of Commerce chamber a diplomatic placement names."""
        return f"bcc-{self.tag}"

    def person(self, role: str) -> tuple[str, dict]:
        """The sub and claims of this journey's approver in `role` (ethics and vetting: any
        officer; the others: of this applicant's organisation, this host or its chamber)."""
        orgs = {"line_manager": self.org, "hr": self.org, "employer": self.org,
                "fcdo_post": self.org, "bcc": self.bcc_chamber, "host": self.host_org}
        claims = {"roles": [role], "name": f"{role} {self.tag}"}
        if role in orgs:
            claims["org"] = orgs[role]
        return f"{role.replace('_', '')}-{self.tag}", claims

    def api(self, service: str, role: str, sub: str | None = None,
            org: str | None = None) -> httpx.Client:
        """An API client holding a real token of the provider for this role."""
        who, claims = self.person(role)
        token = devoidc.client_token(self.system.oidc_port, sub or who, role,
                                     org if org is not None else claims.get("org"))
        return httpx.Client(base_url=self.system.url(service), timeout=30.0,
                            headers={"Authorization": f"Bearer {token}"})

    def stage(self, name: str) -> dict:
        """The application's stage `name` once it has opened (central HR may read any)."""
        with self.api("approval", "hr", "central-" + self.tag, "hr-central") as hr:
            for _ in range(240):
                found = hr.get(f"/applications/{self.application_id}/stages")
                if found.status_code == 200:
                    stage = next((s for s in found.json() if s["stage"] == name), None)
                    if stage:
                        return stage
                time.sleep(0.5)  # between polls of what approval reaches a Kafka hop later
        raise AssertionError(f"stage {name} never opened for {self.application_id}")

    def grant(self, name: str, role: str) -> None:
        """Grant a stage over the API (for stages another test already walks in a browser)."""
        stage = self.stage(name)
        with self.api("approval", role) as api:
            done = api.post(f"/stages/{stage['id']}/decision", json={"decision": "grant"})
        assert done.status_code == 200, done.text


def publish(system: WebSystem, host_org: str, **fields) -> dict:
    token = devoidc.client_token(system.oidc_port, f"lead-{host_org}", "host", host_org)
    with httpx.Client(base_url=system.url("matching"), timeout=30.0,
                      headers={"Authorization": f"Bearer {token}"}) as api:
        made = api.post("/opportunities", json=opportunity(**fields))
    assert made.status_code == 201, made.text
    return made.json()


PROFILES = {
    "industry": lambda org, tag: {
        "kind": "civil_servant", "organisation_id": org, "grade": "G7",
        "profession": "Policy", "line_manager_id": f"linemanager-{tag}",
        "skills": "policy\nnegotiation"},
    "government": lambda org, tag: {
        "kind": "industry_professional", "organisation_id": org, "role": "Head of Data",
        "clearance_held": "BPSS", "skills": "data"},
}
KINDS = {"industry": "civil_servant", "government": "industry_professional"}


def send_application(system: WebSystem, scheme: str = "industry",
                     interests: tuple[str, ...] = ("Acme Widgets",), **opp) -> Journey:
    """A fresh host publishes a placement and a fresh applicant applies to it on the web."""
    tag = uuid.uuid4().hex[:8]
    host_name = f"Northwind {tag} Ltd"
    org = f"{'dept' if scheme == 'industry' else 'emp'}-{tag}"
    made = publish(system, f"host-{tag}", host_name=host_name, scheme=scheme, **opp)
    sub = f"applicant-{tag}"
    claims = {"roles": ["applicant"], "applicant_kind": KINDS[scheme], "org": org,
              "name": f"Applicant {tag}", "email": f"{sub}@example.org"}
    client = http_sign_in(system.web, sub, claims)
    post_form(client, "/profile", {"name": f"Applicant {tag}", "email": f"{sub}@example.org",
                                   **PROFILES[scheme](org, tag)})
    client.get(f"/apply/{scheme}?opportunity={made['opportunity_id']}")
    start = date.today() + timedelta(days=70)
    post_form(client, f"/apply/{scheme}", {
        **date_fields("earliest_start", str(start.day), str(start.month), str(start.year)),
        "desired_length_months": "6"})
    named = {f"interest-{i}-{k}": v for i, name in enumerate(interests, 1)
             for k, v in (("name", name), ("kind", "procurement"))}
    post_form(client, f"/apply/{scheme}/interests", named)
    check = client.get(f"/apply/{scheme}/check")
    # Before sending, the applicant is told who will see what.
    assert "Only the ethics team and central HR see the organisations you declared" in check.text
    sent = client.post(f"/apply/{scheme}/check", data={"csrf_token": csrf_of(check)})
    assert sent.status_code == 303, sent.text[-800:]
    return Journey(tag, system, scheme, client, sent.headers["location"].split("/")[2],
                   host_name, org, sub, claims)


async def signed_in(browser, journey: Journey, role: str, javascript: bool = True,
                    sub: str | None = None, claims: dict | None = None) -> Visit:
    """A browser context of its own for one person, signed in on the provider's page."""
    visit = await open_page(browser, javascript=javascript)
    who, what = journey.person(role)
    await sign_in(visit, journey.system.web, sub or who, claims or what, "/tasks")
    return visit


def task_row(journey: Journey, title: str) -> str:
    return f'#tasks tr[data-application="{journey.application_id}"]:has-text("{title}")'


async def open_task(visit: Visit, journey: Journey, title: str) -> None:
    """From the task list to the stage's case page, with the applicant's details shown."""
    page = visit.page
    await page.goto(journey.system.web + "/tasks")
    await reload_until(visit, task_row(journey, title))
    await assert_accessible(visit)
    await page.locator(task_row(journey, title)).get_by_role("link").click()
    await expect(page.locator("h1")).to_have_text(title)
    await reload_until(visit, "#applicant")
    await assert_accessible(visit)


async def decide(visit: Visit, decision: str = "grant", reason: str = "",
                 note: str = "", mitigation: str = "") -> None:
    """Send the decision on an open case page and land on the task list again."""
    page = visit.page
    await page.check("#decision" if decision == "grant" else "#decision-2")
    if reason:
        await page.fill("#reason", reason)
    if mitigation:
        await page.fill("#mitigation", mitigation)
    if note:
        await page.fill("#note", note)
    await page.click("#send-decision")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your decision was recorded")
    await assert_accessible(visit)
