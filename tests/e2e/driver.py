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
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
from shared.auth import mint_dev_token
from shared.settings import DEV_JWT_SECRET

TERMINAL = frozenset({"ended", "withdrawn", "rejected"})
KINDS = ("civil_servant", "industry_professional", "diplomat")
SCHEME_OF = {"civil_servant": "industry", "industry_professional": "government",
             "diplomat": "diplomatic"}
SECTORS = ("advanced_manufacturing", "clean_energy", "creative_industries",
           "digital_and_technologies", "financial_services", "defence", "life_sciences",
           "professional_and_business_services")
REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands",
           "West Midlands", "East of England", "London", "South East", "South West", "Wales",
           "Scotland", "Northern Ireland")
COUNTRIES = ("FR", "DE", "US", "JP", "IN", "BR", "KE", "AU", "CA", "SG")
RETRY_STATUSES = frozenset({429, 502, 503, 504})
CENTRAL_HR = ("driver-hr", ("hr",), None)
INBOX_PAGE = 50
POLL_FIRST, POLL_MAX = 0.5, 5.0  # seconds between status reads of one journey
BOTS_PER_ROLE = 16  # distinct subs, so per-caller write rate limits are never the bottleneck


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


class Api:
    """One pooled client per service; every call retried while the service is away."""

    def __init__(self, urls: dict[str, str], stats: Stats, retry_for: float,
                 connections: int = 64, secret: str = DEV_JWT_SECRET) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.clients = {name: httpx.AsyncClient(base_url=url, timeout=30.0, limits=limits)
                        for name, url in urls.items()}
        self.stats = stats
        self.retry_for = retry_for
        self.secret = secret
        self._tokens: dict[tuple, str] = {}

    def token(self, sub: str, roles: tuple[str, ...], org: str | None) -> str:
        key = (sub, roles, org)
        if key not in self._tokens:
            self._tokens[key] = mint_dev_token(sub, list(roles), org, secret=self.secret)
        return self._tokens[key]

    async def call(self, service: str, method: str, path: str, who: tuple, *,
                   json: Any = None, params: dict | None = None,
                   key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(*who)}"}
        if key:
            headers["Idempotency-Key"] = key
        deadline = time.monotonic() + self.retry_for
        for attempt in range(1_000_000):
            wait = min(2.0, 0.05 * 2 ** attempt) * random.uniform(0.5, 1.0)
            try:
                resp = await self.clients[service].request(method, path, json=json,
                                                           params=params, headers=headers)
            except httpx.TransportError as exc:
                reason = type(exc).__name__
            else:
                if resp.status_code not in RETRY_STATUSES:
                    return resp
                reason = str(resp.status_code)
                if resp.status_code == 429:
                    wait = float(resp.headers.get("Retry-After", "1"))
            self.stats.retries[f"{service} {reason}"] += 1
            if time.monotonic() + wait > deadline:
                raise DriverError(f"{method} {service}{path}: still {reason} after "
                                  f"{self.retry_for:.0f}s")
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients.values()))


def expect(resp: httpx.Response, *codes: int) -> Any:
    if resp.status_code not in codes:
        raise DriverError(f"{resp.request.method} {resp.request.url} -> {resp.status_code}: "
                          f"{resp.text[:500]}")
    return resp.json() if resp.content else None


# ------------------------------------------------------------------------- what people send
def opportunity_body(plan: Plan, scheme: str, k: int, capacity: int, today: date) -> dict:
    sector = SECTORS[k % len(SECTORS)]
    body = {"host_sector": sector, "scheme": scheme, "sector": sector, "capacity": capacity,
            "title": f"{sector.replace('_', ' ')} placement {k}", "length_months": 6,
            "required_skills": ["analysis"], "desired_skills": ["policy"],
            "start_window_from": (today + timedelta(days=30)).isoformat(),
            "start_window_to": (today + timedelta(days=400)).isoformat(),
            "closing_date": (today + timedelta(days=300)).isoformat()}
    if scheme == "diplomatic":
        body.update(host_name=f"SME {plan.run_id}-{k}", host_staff_count=40 + k,
                    country=COUNTRIES[k % len(COUNTRIES)], bcc_chamber_id=f"bcc-{k % 3}")
    elif scheme == "government":
        body.update(host_name=f"Department {plan.run_id}-{k}", host_staff_count=2000,
                    country="GB", region=REGIONS[k % len(REGIONS)],
                    clearance_needed="SC" if k % 2 else "BPSS")
    else:
        body.update(host_name=f"Business {plan.run_id}-{k}", host_staff_count=300 + k,
                    country="GB", region=REGIONS[k % len(REGIONS)])
    return body


def host_org(plan: Plan, scheme: str, k: int) -> str:
    return f"{plan.run_id}-{scheme}-host-{k}"


def profile_body(plan: Plan, i: int, kind: str) -> dict:
    sub = applicant_sub(plan, i)
    body = {"kind": kind, "name": f"Applicant {i}", "email": f"{sub}@people.example",
            "skills": ["analysis", "policy"], "sectors": [SECTORS[i % len(SECTORS)]],
            "preferred_regions": [REGIONS[i % len(REGIONS)]]}
    if kind == "civil_servant":
        body.update(organisation_id=f"dept-{i % 7}", grade="G7", profession="Policy",
                    line_manager_id=f"{plan.run_id}-manager-{i % 40}")
    elif kind == "industry_professional":
        body.update(organisation_id=f"employer-{i % 9}", role="Analyst", clearance_held="BPSS")
    else:
        body.update(organisation_id=f"post-{i % 11}", grade="SEO",
                    preferred_countries=[COUNTRIES[i % len(COUNTRIES)]])
    return body


def applicant_sub(plan: Plan, i: int) -> str:
    return f"{plan.run_id}-applicant-{i}"


def application_body(i: int, kind: str, today: date) -> dict:
    return {"scheme": SCHEME_OF[kind], "desired_length_months": 6,
            "earliest_start": (today + timedelta(days=40 + i % 60)).isoformat()}


# ------------------------------------------------------------------------------ the robots
class ApproverDesk:
    """Central HR lists the open stages; each is decided as its own approver would."""

    def __init__(self, api: Api, plan: Plan, stats: Stats) -> None:
        self.api, self.plan, self.stats = api, plan, stats
        self.slots = asyncio.Semaphore(16)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            resp = await self.api.call("approval", "GET", "/stages", CENTRAL_HR,
                                       params={"status": "open", "limit": 200})
            stages = expect(resp, 200)
            await asyncio.gather(*(self._decide(s) for s in stages))
            if len(stages) < 200:
                await _sleep_or_stop(stop, 0.5)

    async def _decide(self, stage: dict) -> None:
        async with self.slots:
            role, org = stage["approver_role"], stage["approver_org_id"]
            sub = stage["approver_id"] or f"{role}-bot-{bucket(stage['id']) % BOTS_PER_ROLE}"
            refuse = bucket(stage["id"]) < self.plan.refuse_percent
            body = ({"decision": "refuse", "reason": "simulated refusal"} if refuse
                    else {"decision": "grant", "note": "simulated approval"})
            resp = await self.api.call("approval", "POST", f"/stages/{stage['id']}/decision",
                                       (sub, (role,), org), json=body)
            # 409: the case closed meanwhile (withdrawn); 404: not ours after all.
            expect(resp, 200, 409)
            outcome = "conflict" if resp.status_code == 409 else body["decision"]
            self.stats.decisions[f"{stage['stage']} {outcome}"] += 1


class HostDesk:
    """Each host organisation reads its inbox for confirmed placements (the only place a
    host learns a placement's id) and remembers them by application."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.wanted: dict[str, set[str]] = {}  # host org -> applications waiting for an id
        self.found: dict[str, str] = {}  # application id -> placement id

    @staticmethod
    def who(org: str, n: int = 0) -> tuple:
        return (f"{org}-desk-{n % BOTS_PER_ROLE}", ("host",), org)

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
            resp = await self.api.call("notification", "GET", "/inbox", self.who(org),
                                       params={"limit": INBOX_PAGE, "unread_only": "true"})
            items = expect(resp, 200)
            await asyncio.gather(*(self._handle(org, m) for m in items))
            if len(items) < INBOX_PAGE:
                return

    async def _handle(self, org: str, message: dict) -> None:
        # The text names no ids; the item says, as ids, what it is about.
        placement_id = (message.get("about") or {}).get("placement_id")
        if message["template"] == "placement_confirmed_host" and placement_id:
            self.found[message["application_id"]] = placement_id
        resp = await self.api.call("notification", "POST", f"/inbox/{message['id']}/read",
                                   self.who(org, bucket(message["id"])))
        expect(resp, 200)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


# ------------------------------------------------------------------------------ the driver
class Driver:
    def __init__(self, urls: dict[str, str], plan: Plan,
                 on_progress: Callable[[Stats], None] | None = None) -> None:
        self.plan = plan
        self.stats = Stats(planned=plan.journeys)
        self.api = Api(urls, self.stats, plan.retry_for, connections=plan.concurrency + 32)
        self.hosts = HostDesk(self.api)
        self.approvers = ApproverDesk(self.api, plan, self.stats)
        self.on_progress = on_progress or (lambda stats: None)
        self.today = date.today()

    async def seed(self) -> None:
        """Opportunities with room for every applicant of their scheme, and some to spare."""
        n = self.plan.opportunities_per_scheme
        per_scheme = math.ceil(self.plan.journeys / 3)
        n = max(n, math.ceil(per_scheme * 1.5 / 1000))
        capacity = min(1000, math.ceil(per_scheme * 1.5 / n) + 1)
        for scheme in ("industry", "government", "diplomatic"):
            for k in range(n):
                org = host_org(self.plan, scheme, k)
                body = opportunity_body(self.plan, scheme, k, capacity, self.today)
                resp = await self.api.call("matching", "POST", "/opportunities",
                                           self.hosts.who(org), json=body)
                self.stats.opportunities[expect(resp, 201)["opportunity_id"]] = capacity

    async def run(self) -> Stats:
        stop = asyncio.Event()
        robots = [asyncio.create_task(self.approvers.run(stop)),
                  asyncio.create_task(self.hosts.run(stop))]
        slots = asyncio.Semaphore(self.plan.concurrency)

        async def one(i: int) -> None:
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
        await self.api.close()

    async def journey(self, i: int) -> None:
        kind = KINDS[i % len(KINDS)]
        who = (applicant_sub(self.plan, i), ("applicant",), None)
        resp = await self.api.call("applicant", "PUT", "/applicants/me", who,
                                   json=profile_body(self.plan, i, kind))
        expect(resp, 200, 201)
        resp = await self.api.call("applicant", "POST", "/applications", who,
                                   json=application_body(i, kind, self.today),
                                   key=f"{self.plan.run_id}-{i}")
        if resp.status_code in (409, 422):  # a rule said no: counted, not a failure
            self.stats.refused_submissions.append(resp.text[:200])
            return
        application_id = expect(resp, 201)["id"]
        self.stats.accepted[application_id] = who[0]
        await self.follow(application_id, who, bucket(who[0]) < self.plan.withdraw_percent)

    async def follow(self, application_id: str, who: tuple, withdraw: bool) -> None:
        deadline = time.monotonic() + self.plan.journey_timeout
        pause, last, placed = POLL_FIRST, None, False
        while True:
            resp = await self.api.call("applicant", "GET", f"/applications/{application_id}", who)
            app = expect(resp, 200)
            status = app["status"]
            if status in TERMINAL:
                self.stats.final[application_id] = status
                return
            if status == "waiting" or (withdraw and status == "in_approval"):
                resp = await self.api.call("applicant", "POST",
                                           f"/applications/{application_id}/withdraw", who,
                                           json={"reason": "simulated change of plans"})
                expect(resp, 200, 409)
                withdraw = False
                continue
            if status == "confirmed" and not placed:
                await self.live_placement(application_id, app["awaiting"]["from"])
                placed = True
            if time.monotonic() > deadline:
                self.stats.stuck[application_id] = status
                return
            # Back off while nothing moves: thousands of journeys poll one service.
            pause = POLL_FIRST if status != last else min(pause * 1.5, POLL_MAX)
            last = status
            await asyncio.sleep(pause)

    async def live_placement(self, application_id: str, org: str) -> None:
        """The host starts the placement on its start date and ends it with feedback."""
        placement_id = await self.hosts.placement_for(application_id, org,
                                                      self.plan.journey_timeout)
        host = self.hosts.who(org, bucket(placement_id))
        path = f"/placements/{placement_id}"
        placement = expect(await self.api.call("approval", "GET", path, host), 200)
        if placement["status"] == "confirmed":
            resp = await self.api.call("approval", "POST", path + "/start", host,
                                       json={"started_on": placement["start_date"]})
            expect(resp, 200, 409)  # 409 after a retry: the first attempt started it
            self.stats.lifecycle["started"] += 1
        ending = {"outcome": "completed", "ended_on": placement["end_date"], "host_rating": 4,
                  "placee_rating": 5, "skills_gained": ["simulation"]}
        resp = await self.api.call("approval", "POST", path + "/end", host, json=ending)
        expect(resp, 200, 409)
        self.stats.lifecycle["ended"] += 1


async def drive(urls: dict[str, str], plan: Plan,
                on_progress: Callable[[Stats], None] | None = None) -> Stats:
    """Seed, run every journey to a terminal state, and return what happened."""
    driver = Driver(urls, plan, on_progress)
    try:
        await driver.seed()
        return await driver.run()
    finally:
        await driver.close()
