"""Bulk journeys through the public HTTP APIs, with every other party played by a robot.

Hosts publish opportunities with room for everyone; applicants of all three kinds create a
profile and apply; an approver desk (central HR reads the open stages, then each stage is
decided with a token for its own approver) grants most stages and refuses a few; a host desk
reads each host organisation's in-app inbox for confirmed placements, starts them and ends
them with feedback. The run is over when every accepted application is terminal (ended or
withdrawn). An applicant matching leaves `waiting` (no suitable opportunity yet) gives up and
withdraws, as a real one told "nothing for now" might, so every journey ends.

Services may die at any moment (the fault tests SIGKILL them), so every call is retried on
connection errors, 429 and 502-504: submissions with the same Idempotency-Key, decisions
with the same decision (a stage's decision is a pure function of its id), start/end by
reading the placement back after a 409.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from testkit.bodies import SCHEME_OF
from testkit.caller import PAGE
from testkit.models import (
    ApplicationIn,
    DecisionIn,
    EndIn,
    InboxItem,
    OpportunityIn,
    ProfileIn,
    StageOut,
    StartIn,
)

from testkit import Api, ApiError, Caller, approver_for, bodies

TERMINAL = frozenset({"ended", "withdrawn", "rejected"})
KINDS = tuple(SCHEME_OF)
SECTORS = ("advanced_manufacturing", "clean_energy", "creative_industries",
           "digital_and_technologies", "financial_services", "defence", "life_sciences",
           "professional_and_business_services")
REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands",
           "West Midlands", "East of England", "London", "South East", "South West", "Wales",
           "Scotland", "Northern Ireland")
COUNTRIES = ("FR", "DE", "US", "JP", "IN", "BR", "KE", "AU", "CA", "SG")
INBOX_PAGE = 50
POLL_FIRST, POLL_MAX = 0.5, 5.0  # seconds between status reads of one journey
BOTS_PER_ROLE = 16  # distinct subs, so per-caller write rate limits are never the bottleneck


T = TypeVar("T")


class DriverError(RuntimeError):
    pass


@dataclass(frozen=True)
class Plan:
    journeys: int = 100
    concurrency: int = 32
    opportunities_per_scheme: int = 6
    refuse_percent: int = 8  # of approval stages (hosts decline in the same share)
    withdraw_percent: int = 3  # of applicants, who withdraw while in approval
    seed: int = 1
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    journey_timeout: float = 600.0  # one application, from submission to terminal
    retry_for: float = 240.0  # how long one call keeps retrying a dead service


@dataclass
class Stats:
    planned: int
    accepted: dict[str, str] = field(default_factory=dict)  # application id -> applicant
    final: dict[str, str] = field(default_factory=dict)  # application id -> terminal status
    refused_submissions: list[str] = field(default_factory=list)
    decisions: Counter = field(default_factory=Counter)
    retries: Counter = field(default_factory=Counter)
    lifecycle: Counter = field(default_factory=Counter)
    stuck: dict[str, str] = field(default_factory=dict)  # application id -> last status
    opportunities: dict[str, int] = field(default_factory=dict)  # id -> capacity
    started_at: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        return len(self.final) + len(self.refused_submissions) + len(self.stuck)

    @property
    def progress(self) -> float:
        return self.done / self.planned if self.planned else 1.0

    def summary(self) -> dict[str, Any]:
        return {"planned": self.planned, "accepted": len(self.accepted),
                "terminal": dict(Counter(self.final.values())), "stuck": len(self.stuck),
                "refused_submissions": len(self.refused_submissions),
                "decisions": dict(self.decisions), "lifecycle": dict(self.lifecycle),
                "retried_calls": sum(self.retries.values()),
                "seconds": round(time.monotonic() - self.started_at, 1)}


def bucket(text: str) -> int:
    """A stable 0..99 for an id: the same stage always gets the same decision, retries too."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 100


async def unless(statuses: tuple[int, ...], call: Awaitable[T]) -> T | None:
    """The call's answer, or None when the service answered one of `statuses` (409: the case
    moved on meanwhile, or a retried write had landed the first time)."""
    try:
        return await call
    except ApiError as exc:
        if exc.status_code not in statuses:
            raise
        return None


# ------------------------------------------------------------------------- what people send
def opportunity_body(plan: Plan, scheme: str, k: int, capacity: int, today: date
                     ) -> OpportunityIn:
    sector = SECTORS[k % len(SECTORS)]
    where = {"diplomatic": {"host_name": f"SME {plan.run_id}-{k}", "host_staff_count": 40 + k,
                            "country": COUNTRIES[k % len(COUNTRIES)],
                            "bcc_chamber_id": f"bcc-{k % 3}"},
             "government": {"host_name": f"Department {plan.run_id}-{k}",
                            "clearance_needed": "SC" if k % 2 else "BPSS"},
             "industry": {"host_name": f"Business {plan.run_id}-{k}",
                          "host_staff_count": 300 + k}}[scheme]
    if scheme != "diplomatic":
        where["region"] = REGIONS[k % len(REGIONS)]
    return bodies.opportunity(
        scheme, f"{sector.replace('_', ' ')} placement {k}", today + timedelta(days=30),
        today + timedelta(days=400), today + timedelta(days=300), sector=sector,
        capacity=capacity, required_skills=["analysis"], desired_skills=["policy"], **where)


def host_org(plan: Plan, scheme: str, k: int) -> str:
    return f"{plan.run_id}-{scheme}-host-{k}"


def profile_body(plan: Plan, i: int, kind: str) -> ProfileIn:
    sub = applicant_sub(plan, i)
    org, extra = {
        "civil_servant": (f"dept-{i % 7}", {"line_manager_id": f"{plan.run_id}-manager-{i % 40}"}),
        "industry_professional": (f"employer-{i % 9}", {"role": "Analyst"}),
        "diplomat": (f"post-{i % 11}", {"preferred_countries": [COUNTRIES[i % len(COUNTRIES)]]}),
    }[kind]
    return bodies.profile(kind, sub, org, name=f"Applicant {i}", email=f"{sub}@people.example",
                          skills=["analysis", "policy"], sectors=[SECTORS[i % len(SECTORS)]],
                          preferred_regions=[REGIONS[i % len(REGIONS)]], **extra)


def applicant_sub(plan: Plan, i: int) -> str:
    return f"{plan.run_id}-applicant-{i}"


def application_body(i: int, kind: str, today: date) -> ApplicationIn:
    return bodies.application(SCHEME_OF[kind], today + timedelta(days=40 + i % 60), 6)


# ------------------------------------------------------------------------------ the robots
class ApproverDesk:
    """Central HR lists the open stages; each is decided as its own approver would: refused in
    `refuse_percent` of cases (by the stage's id, so a retry decides the same), else granted.
    It looks again every half second, or at once when woken (the benches wake it on each
    ApprovalStageOpened they read, so approvals add no polling delay to their latencies)."""

    def __init__(self, api: Api, refuse_percent: int, decisions: Counter) -> None:
        self.api, self.refuse_percent, self.decisions = api, refuse_percent, decisions
        self.hr = Caller(api, "driver-hr", ("hr",))
        self.slots = asyncio.Semaphore(16)
        self.woken = asyncio.Event()

    def wake(self) -> None:
        self.woken.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.woken.clear()
            stages = await self.hr.stages("open", every_page=False)
            await asyncio.gather(*(self._decide(s) for s in stages))
            if len(stages) < PAGE:
                await _sleep_or_stop(stop, 0.5, self.woken)

    async def _decide(self, stage: StageOut) -> None:
        async with self.slots:
            robot = f"{stage.approver_role}-bot-{bucket(str(stage.id)) % BOTS_PER_ROLE}"
            refuse = bucket(str(stage.id)) < self.refuse_percent
            body = (DecisionIn(decision="refuse", reason="simulated refusal") if refuse
                    else DecisionIn(decision="grant", note="simulated approval"))
            approver = approver_for(self.api, stage, robot)
            answer = await unless((409,), approver.decide(stage.id, body))
            self.decisions[f"{stage.stage} {body.decision if answer else 'conflict'}"] += 1


class HostDesk:
    """Each host organisation reads its inbox for confirmed placements (the only place a
    host learns a placement's id) and remembers them by application."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.wanted: dict[str, set[str]] = {}  # host org -> applications waiting for an id
        self.found: dict[str, str] = {}  # application id -> placement id

    def host(self, org: str, n: int = 0) -> Caller:
        return Caller(self.api, f"{org}-desk-{n % BOTS_PER_ROLE}", ("host",), org)

    async def placement_for(self, application_id: str, org: str, within: float) -> str:
        deadline = time.monotonic() + within
        self.wanted.setdefault(org, set()).add(application_id)
        while application_id not in self.found:
            if time.monotonic() > deadline:
                raise DriverError(f"host {org} never heard of the placement of {application_id}")
            await asyncio.sleep(0.2)
        self.wanted[org].discard(application_id)
        return self.found[application_id]

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            orgs = [org for org, apps in self.wanted.items() if apps]
            await asyncio.gather(*(self._read(org) for org in orgs))
            await _sleep_or_stop(stop, 0.5)

    async def _read(self, org: str) -> None:
        # Unread only, each marked read once handled: the inbox is newest-created first, and a
        # message created earlier may be delivered later, so "stop at the first one already
        # seen" would miss it.
        while True:
            items = await self.host(org).inbox(INBOX_PAGE, unread_only=True)
            await asyncio.gather(*(self._handle(org, m) for m in items))
            if len(items) < INBOX_PAGE:
                return

    async def _handle(self, org: str, message: InboxItem) -> None:
        # The text names no ids; the item says, as ids, what it is about.
        placement_id = message.about.placement_id
        if message.template == "placement_confirmed_host" and placement_id:
            self.found[str(message.application_id)] = str(placement_id)
        await self.host(org, bucket(str(message.id))).mark_read(message.id)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float,
                         woken: asyncio.Event | None = None) -> None:
    waits = [asyncio.create_task(e.wait()) for e in (stop, woken) if e is not None]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()


# ------------------------------------------------------------------------------ the driver
class Driver:
    """`urls`: each service's base URL, or its replicas' (called in turn). `admit(i)`, when
    given, holds journey i back until it returns (a fault run spreads journeys over its
    faults)."""

    def __init__(self, urls: dict[str, str | list[str]], plan: Plan,
                 on_progress: Callable[[Stats], None] | None = None,
                 admit: Callable[[int], Awaitable[None]] | None = None) -> None:
        self.plan = plan
        self.admit = admit
        self.stats = Stats(planned=plan.journeys)
        self.api = Api(urls, timeout=30.0, connections=plan.concurrency + 32,
                       retry_for=plan.retry_for, on_retry=self._count_retry)
        self.hosts = HostDesk(self.api)
        self.approvers = ApproverDesk(self.api, plan.refuse_percent, self.stats.decisions)
        self.on_progress = on_progress or (lambda stats: None)
        self.today = date.today()

    def _count_retry(self, service: str, reason: str) -> None:
        self.stats.retries[f"{service} {reason}"] += 1

    async def seed(self) -> None:
        """Opportunities with room for every applicant of their scheme, and some to spare."""
        n = self.plan.opportunities_per_scheme
        per_scheme = math.ceil(self.plan.journeys / 3)
        n = max(n, math.ceil(per_scheme * 1.5 / 1000))
        capacity = min(1000, math.ceil(per_scheme * 1.5 / n) + 1)
        for scheme in ("industry", "government", "diplomatic"):
            for k in range(n):
                host = self.hosts.host(host_org(self.plan, scheme, k))
                made = await host.publish(opportunity_body(self.plan, scheme, k, capacity,
                                                           self.today))
                self.stats.opportunities[str(made.opportunity_id)] = capacity

    async def run(self) -> Stats:
        stop = asyncio.Event()
        robots = [asyncio.create_task(self.approvers.run(stop)),
                  asyncio.create_task(self.hosts.run(stop))]
        slots = asyncio.Semaphore(self.plan.concurrency)

        async def one(i: int) -> None:
            if self.admit is not None:
                await self.admit(i)
            async with slots:
                await self.journey(i)
                self.on_progress(self.stats)

        try:
            journeys = [asyncio.create_task(one(i)) for i in range(self.plan.journeys)]
            done = asyncio.gather(*journeys)
            while not done.done():  # a robot that dies fails the run at once
                await asyncio.wait([done, *robots], return_when=asyncio.FIRST_COMPLETED)
                for robot in robots:
                    if robot.done():
                        robot.result()
                        raise DriverError("a robot stopped before the journeys ended")
            done.result()
        finally:
            stop.set()
            for task in robots:
                task.cancel()
            await asyncio.gather(*robots, return_exceptions=True)
        return self.stats

    async def close(self) -> None:
        await self.api.aclose()

    async def journey(self, i: int) -> None:
        kind = KINDS[i % len(KINDS)]
        person = Caller(self.api, applicant_sub(self.plan, i), ("applicant",))
        await person.save_profile(profile_body(self.plan, i, kind))
        try:
            application = await person.apply(application_body(i, kind, self.today),
                                              key=f"{self.plan.run_id}-{i}")
        except ApiError as exc:  # a rule said no: counted, not a failure
            if exc.status_code not in (409, 422):
                raise
            self.stats.refused_submissions.append(exc.response.text[:200])
            return
        self.stats.accepted[str(application.id)] = person.sub
        await self.follow(str(application.id), person,
                          bucket(person.sub) < self.plan.withdraw_percent)

    async def follow(self, application_id: str, person: Caller, withdraw: bool) -> None:
        deadline = time.monotonic() + self.plan.journey_timeout
        pause, last, placed = POLL_FIRST, None, False
        while True:
            app = await person.application(application_id)
            status = app.status
            if status in TERMINAL:
                self.stats.final[application_id] = status
                return
            if status == "waiting" or (withdraw and status == "in_approval"):
                await unless((409,), person.withdraw(application_id,
                                                     "simulated change of plans"))
                withdraw = False
                continue
            if status == "confirmed" and not placed:
                await self.live_placement(application_id, app.awaiting.from_)
                placed = True
            if time.monotonic() > deadline:
                self.stats.stuck[application_id] = status
                return
            # Back off while nothing moves: thousands of journeys poll one service.
            pause = POLL_FIRST if status != last else min(pause * 1.5, POLL_MAX)
            last = status
            await asyncio.sleep(pause)

    async def live_placement(self, application_id: str, org: str) -> None:
        """The host starts the placement and ends it with its rating, both today (an end may
        lie neither in the future nor before the day it started)."""
        placement_id = await self.hosts.placement_for(application_id, org,
                                                      self.plan.journey_timeout)
        host = self.hosts.host(org, bucket(placement_id))
        placement = await host.placement(placement_id)
        if placement.status == "confirmed":
            # 409 after a retry: the first attempt started it.
            await unless((409,), host.start_placement(placement_id, StartIn()))
            self.stats.lifecycle["started"] += 1
        ending = EndIn(outcome="completed", host_rating=4, skills_gained=["simulation"])
        await unless((409,), host.end_placement(placement_id, ending))
        self.stats.lifecycle["ended"] += 1


async def drive(urls: dict[str, str | list[str]], plan: Plan,
                on_progress: Callable[[Stats], None] | None = None,
                admit: Callable[[int], Awaitable[None]] | None = None) -> Stats:
    """Seed, run every journey to a terminal state, and return what happened."""
    driver = Driver(urls, plan, on_progress, admit)
    try:
        await driver.seed()
        return await driver.run()
    finally:
        await driver.close()
