"""Each scheme's whole journey in real browsers, through the web pages only, one browser context
per person: the host publishes an opportunity, the applicant applies to it, every approver of
the scheme's chain decides their stage from their own task list, the host accepts the candidate
on the host pages, and the placement is confirmed, started, extended within the 12-month cap
and ended with feedback. The applicant reads each step on their status page. axe-core on every
page visited; no email the journey sent shows a raw id or an ISO timestamp."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from approval.domain import chain_for
from playwright.async_api import expect

from contracts import Scheme
from tests.e2e.test_messages_are_human import body, machine_marks

from .approving import Journey, decide, open_task, reload_until, signed_in
from .browsing import Visit, apply, assert_accessible, fill_profile, open_page, sign_in
from .host_journey import (
    EARLIEST,
    TODAY,
    end_placement,
    extend_placement,
    fill_opportunity,
    publish_checked,
    start_placement,
    until,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
HOST = "host"  # the host's own stage: decided on the host pages, not from a task list
# Each stage: who decides it, its title on the task list, and the applicant's words for it.
STAGES = {
    "line_manager": ("line_manager", "Line manager approval", "line manager decision"),
    "departmental_hr": ("hr", "Departmental HR approval", "departmental HR decision"),
    "conflict_of_interest": ("ethics", "Conflict of interest check",
                             "conflict-of-interest decision"),
    "host_acceptance": (HOST, None, "host acceptance"),
    "releasing_employer": ("employer", "Releasing employer approval",
                           "releasing employer decision"),
    "host_department": (HOST, None, "host department decision"),
    "security_vetting": ("vetting", "Security vetting", "security vetting decision"),
    "fcdo_post": ("fcdo_post", "FCDO post approval", "FCDO post decision"),
    "bcc_endorsement": ("bcc", "British Chambers of Commerce endorsement", "BCC endorsement"),
    "sme_acceptance": (HOST, None, "SME acceptance"),
}


@dataclass(frozen=True)
class Spec:
    """What one scheme's applicant and opportunity look like."""

    kind: str
    org: str  # the applicant's organisation's prefix
    chain: tuple[str, ...]
    place: dict = field(default_factory=dict)  # the opportunity form's place and clearance
    staff: str = "120"
    profile: dict = field(default_factory=dict)  # text fields ("{tag}" filled in)
    selects: dict = field(default_factory=dict)


SPECS = {
    Scheme.INDUSTRY: Spec(
        "civil_servant", "dept", ("line_manager", "departmental_hr", "conflict_of_interest",
                                  "host_acceptance"),
        place={"region": "North West"},
        profile={"#profession": "Policy", "#line_manager_id": "linemanager-{tag}"},
        selects={"#grade": "G7"}),
    # The post needs SC and the expert holds BPSS, so security vetting is in the chain.
    Scheme.GOVERNMENT: Spec(
        "industry_professional", "emp", ("releasing_employer", "host_department",
                                         "security_vetting", "conflict_of_interest"),
        place={"region": "London", "clearance": "SC"},
        profile={"#role": "Head of Data"}, selects={"#clearance_held": "BPSS"}),
    Scheme.DIPLOMATIC: Spec(
        "diplomat", "post", ("fcdo_post", "bcc_endorsement", "conflict_of_interest",
                             "sme_acceptance"),
        place={"country": "FR", "region": "", "bcc": "bcc-{tag}"}, staff="40",
        selects={"#grade": "SEO"}),
}


def journey_for(web_system, scheme: Scheme) -> Journey:
    """Fresh names for one journey's people (the approvers' orgs follow from them)."""
    tag = uuid.uuid4().hex[:8]
    spec, sub = SPECS[scheme], f"applicant-{tag}"
    org = f"{spec.org}-{tag}"
    claims = {"roles": ["applicant"], "applicant_kind": spec.kind, "org": org,
              "name": f"Applicant {tag}", "email": f"{sub}@example.org"}
    return Journey(tag, web_system, scheme.value, None, "", "Harbour Robotics Ltd", org,
                   sub, claims)


async def publish(host: Visit, journey: Journey, title: str) -> str:
    """The host publishes the opportunity on the host pages; its id."""
    page, spec = host.page, SPECS[Scheme(journey.scheme)]
    await expect(page.locator("h1")).to_have_text("Your opportunities")
    await assert_accessible(host)
    await page.click("#publish-new")
    await assert_accessible(host)
    place = {k: v.format(tag=journey.tag) for k, v in spec.place.items()}
    await fill_opportunity(page, title, journey.scheme, spec.staff, **place)
    await publish_checked(host, title)
    return page.url.rsplit("/", 1)[1]


async def applies(person: Visit, journey: Journey, opportunity_id: str, title: str) -> str:
    """The applicant fills their profile, opens the opportunity and applies; the reference."""
    spec, web = SPECS[Scheme(journey.scheme)], journey.system.web
    text = {k: v.format(tag=journey.tag) for k, v in spec.profile.items()}
    await fill_profile(person, {"profile": {"#organisation_id": journey.org, **text},
                                "selects": spec.selects})
    await person.page.goto(f"{web}/opportunities/{opportunity_id}")
    await expect(person.page.locator("h1")).to_have_text(title)
    await assert_accessible(person)
    await person.page.click("#apply")
    return await apply(person, TODAY + EARLIEST)


async def sees(person: Visit, journey: Journey, line: str, status: str | None) -> None:
    """The applicant's status page once the step's timeline line has reached it (a Kafka hop
    or two), with the status it set (None: a later event may already have moved it on)."""
    await person.page.goto(f"{journey.system.web}/applications/{journey.application_id}")
    await reload_until(person, f'#timeline li:has-text("{line}")')
    if status:
        await expect(person.page.locator("#status")).to_have_text(status)
    await assert_accessible(person)


async def host_accepts(host: Visit, journey: Journey, opportunity_url: str) -> str:
    """The host opens the proposed candidate once their stage is open and accepts; the
    proposal's address."""
    page = host.page
    await until(page, opportunity_url, "#candidate-list a")
    await assert_accessible(host)
    await page.click("#candidate-list a")
    proposal_url = page.url
    await until(page, proposal_url, "#send-decision")
    await expect(page.locator("h1")).to_have_text(f"Applicant {journey.tag}")
    await assert_accessible(host)
    await page.check("input[name=decision][value=accept]")
    await page.click("#send-decision")
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("You accepted")
    await assert_accessible(host)
    return proposal_url


async def approve_chain(browser, journey: Journey, person: Visit, host: Visit,
                        opportunity_url: str, visits: list[Visit]) -> str:
    """Every stage in order, each by its own person; the applicant sees it wait and pass."""
    proposal_url = ""
    for stage in SPECS[Scheme(journey.scheme)].chain:
        role, title, what = STAGES[stage]
        await sees(person, journey, f"{what} requested from", "In approval")
        await expect(person.page.locator(".govuk-inset-text")).to_contain_text(
            f"Waiting for {what}")
        if role == HOST:
            proposal_url = await host_accepts(host, journey, opportunity_url)
        else:
            approver = await signed_in(browser, journey, role)
            visits.append(approver)
            await open_task(approver, journey, title)
            await decide(approver)
        # After the last grant the status moves on at once (approved, then confirmed).
        last = stage == SPECS[Scheme(journey.scheme)].chain[-1]
        await sees(person, journey, f"{what}: granted", None if last else "In approval")
    return proposal_url


def mail_of(journey: Journey) -> list[EmailMessage]:
    """Every message the dev SMTP server kept that went to one of this journey's people or
    names its opportunity (the ethics and vetting teams' shared addresses)."""
    found = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
             for path in sorted(journey.system.mail.glob("*.eml"))]
    return [m for m in found if journey.tag in f"{m['To']}\n{m['Subject']}\n{body(m)}"]


async def wait_for_mail(journey: Journey, subject: str) -> list[EmailMessage]:
    for _ in range(240):
        got = mail_of(journey)
        if any(subject in str(m["Subject"]) for m in got):
            return got
        await asyncio.sleep(0.5)  # between looks at a folder another process writes
    raise AssertionError(f"no mail {subject!r}; got {[str(m['Subject']) for m in got]}")


@pytest.mark.parametrize("scheme", list(Scheme), ids=[s.value for s in Scheme])
async def test_a_placement_runs_from_publishing_to_feedback_through_the_pages_alone(
        web_system, browser, scheme):
    began = time.monotonic()
    spec, journey = SPECS[scheme], journey_for(web_system, scheme)
    # The chain walked here is approval's own for this scheme (vetting: SC needed, BPSS held).
    needed = spec.place.get("clearance", "none")
    held = spec.selects.get("#clearance_held", "none")
    assert tuple(s.value for s in chain_for(scheme, needed, held)) == spec.chain
    web, title = web_system.web, f"{scheme.value.title()} placement {journey.tag}"
    host, person = await open_page(browser), await open_page(browser)
    visits = [host, person]
    try:
        host_sub, host_claims = journey.person(HOST)
        await sign_in(host, web, host_sub, host_claims, "/host")
        opportunity_id = await publish(host, journey, title)
        await sign_in(person, web, journey.applicant_sub, journey.applicant_claims)
        journey.application_id = await applies(person, journey, opportunity_id, title)
        await sees(person, journey, "matched with opportunity", None)
        proposal_url = await approve_chain(browser, journey, person, host,
                                           f"{web}/host/opportunities/{opportunity_id}", visits)
        await sees(person, journey, "placement confirmed at", "Confirmed")

        await until(host.page, proposal_url, "#placement-link")
        await host.page.click("#placement-link")
        await start_placement(host)
        await sees(person, journey, "placement started at", "Started")
        new_end = await extend_placement(host)
        await sees(person, journey, f"placement extended to {new_end.isoformat()}", "Started")
        await end_placement(host)
        await sees(person, journey, "placement ended on", "Ended")

        # The applicant was told in words, as everyone else in the journey was.
        sent = await wait_for_mail(journey, "is confirmed")
        told = {str(m["To"]).split("@")[0].split(".")[0] for m in sent}
        assert {journey.applicant_sub, HOST, "ethics"} <= told, told
        assert [(m["To"], str(m["Subject"]), marks) for m in sent
                if (marks := machine_marks(m))] == []
    finally:
        for visit in visits:
            await visit.close()
    print(f"\n{scheme.value} journey: {time.monotonic() - began:.0f} s")  # for the run's log
