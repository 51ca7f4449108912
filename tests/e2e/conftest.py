"""The whole system, started once per test session, and what a journey test needs around it.

Journeys share one system, so each test keeps to its own corner of it:
- its own year: test k's opportunities open in 2099-k and its applicants may start then.
  Matching's availability filter lets an applicant take a place whose window ends no earlier
  than their earliest start, so a later test's applicants could still fit an earlier test's
  places: every test closes its opportunities when it ends (and withdraws what it left live).
- lengths of 1-2 months: the demo seed offers and asks for 6-12 months, more than matching's
  3-month length tolerance away, so demo data and journeys never meet.
- fresh ids (organisations, people) for everything.
The SLA clock is short only for the security-vetting stage, which the journeys reach only in
the SLA tests (everyone else already holds the clearance their placement needs).
"""

from __future__ import annotations

import email
import email.policy
import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from testkit.models import ApplicationOut, OpportunityIn, OpportunityOut

from testkit import bodies
from tests.e2e.actors import PATIENCE, ApplicantActor, HostActor, Users, wait_for
from tests.e2e.system import System, start_system, stop_system

VETTING_DUE_SECONDS = 3.0
VETTING_EXPIRY_FACTOR = 3.0
E2E_ENV = {
    "APPROVAL_SLA_DUE_SECONDS": f'{{"security_vetting": {VETTING_DUE_SECONDS}}}',
    "APPROVAL_SLA_EXPIRY_FACTOR": str(VETTING_EXPIRY_FACTOR),
    "APPROVAL_TIMER_POLL_SECONDS": "0.2",
    "NOTIFICATION_WORKER_POLL_SECONDS": "0.1",
    # Rate limiting has its own tests; here the ethics team gets a message per journey.
    "NOTIFICATION_RATE_BURST": "10000",
    "NOTIFICATION_RATE_PER_MINUTE": "100000",
}
_years = itertools.count(2099, -1)


USERS_LEFT = pytest.StashKey[int]()
RUNNING = pytest.StashKey[System]()


def pytest_collection_finish(session: pytest.Session) -> None:
    # How many selected tests use the shared system, so the last one can stop it (below).
    session.config.stash[USERS_LEFT] = sum("system" in item.fixturenames
                                           for item in session.items)


@pytest.fixture(scope="session")
async def system(tmp_path_factory: pytest.TempPathFactory,
                 pytestconfig: pytest.Config) -> AsyncIterator[System]:
    running = await start_system(tmp_path_factory.mktemp("e2e"), extra_env=E2E_ENV)
    pytestconfig.stash[RUNNING] = running
    try:
        yield running
    finally:
        if pytestconfig.stash.get(RUNNING, None) is running:
            del pytestconfig.stash[RUNNING]
            await stop_system(running)


@pytest.fixture(autouse=True)
async def _stop_after_last_user(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """A session fixture lives until the whole `make test` run ends; the shared system is
    stopped as soon as the last test that uses it is done, not left polling meanwhile."""
    yield
    config = request.config
    if "system" not in request.fixturenames or USERS_LEFT not in config.stash:
        return
    config.stash[USERS_LEFT] -= 1
    running = config.stash.get(RUNNING, None)
    if config.stash[USERS_LEFT] <= 0 and running is not None:
        del config.stash[RUNNING]
        await stop_system(running)


@pytest.fixture(scope="session")
async def users(system: System) -> AsyncIterator[Users]:
    async with Users.of(system) as made:
        yield made


class Mailbox:
    """What the dev SMTP server received (System.emails(): one file per message)."""

    def __init__(self, system: System) -> None:
        self.system = system

    def all(self) -> list[EmailMessage]:
        return [email.message_from_string(text, policy=email.policy.default)
                for text in self.system.emails()]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.all() if m["To"] == address]

    async def wait(self, address: str, *subject_parts: str, within: float = PATIENCE
                   ) -> list[EmailMessage]:
        """Waits until `address` has one message whose subject contains each part in turn."""
        async def probe() -> list[EmailMessage] | None:
            got = self.to(address)
            subjects = [str(m["Subject"]) for m in got]
            ok = all(any(p in s for s in subjects) for p in subject_parts)
            return got if ok else None
        return await wait_for(probe, f"mail to {address} with subjects {subject_parts}; got "
                                     f"{[str(m['Subject']) for m in self.to(address)]}",
                              within, interval=0.2)


@pytest.fixture(scope="session")
def mail(system: System) -> Mailbox:
    return Mailbox(system)


@dataclass
class World:
    """One test's corner of the shared system: its year, names, and what to tidy up."""

    users: Users
    year: int
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    opportunities: list[tuple[HostActor, str]] = field(default_factory=list)
    applications: list[tuple[ApplicantActor, str]] = field(default_factory=list)

    @property
    def start(self) -> str:
        return f"{self.year}-02-01"

    def name(self, what: str) -> str:
        return f"{what}-{self.tag}"

    def host(self, what: str = "host") -> HostActor:
        return self.users.host(self.name(what))

    def applicant(self, what: str = "applicant") -> ApplicantActor:
        return self.users.applicant(self.name(what))

    def opportunity(self, scheme: str, **fields: Any) -> OpportunityIn:
        """One place in this test's year, 1 month long (diplomatic: a chamber of its own)."""
        if scheme == "diplomatic":
            fields.setdefault("bcc_chamber_id", self.name("bcc"))
        else:
            fields.setdefault("region", "North West")
        fields = {"host_name": f"Host {self.tag}", "length_months": 1, **fields}
        return bodies.opportunity(scheme, f"{scheme} secondment {self.tag}",
                                  f"{self.year}-02-01", f"{self.year}-06-30",
                                  f"{self.year}-01-15", **fields)

    async def publish(self, host: HostActor, scheme: str, **fields: Any) -> OpportunityOut:
        opportunity = await host.publish(self.opportunity(scheme, **fields))
        self.opportunities.append((host, str(opportunity.opportunity_id)))
        return opportunity

    async def apply(self, applicant: ApplicantActor, scheme: str, months: int = 1,
                    **fields: Any) -> ApplicationOut:
        application = await applicant.submit(scheme, self.start, months, **fields)
        self.applications.append((applicant, str(application.id)))
        return application

    async def tidy(self) -> None:
        for host, opportunity_id in self.opportunities:
            await host.close_opportunity(opportunity_id, "test finished")
        for applicant, application_id in self.applications:
            app = await applicant.application(application_id)
            if app.status not in ("withdrawn", "rejected", "ended", "started"):
                await applicant.withdraw(application_id, "test finished")


@pytest.fixture
async def world(users: Users) -> AsyncIterator[World]:
    made = World(users, next(_years))
    try:
        yield made
    finally:
        await made.tidy()


@pytest.fixture
def hr(users: Users):
    return users.hr()
