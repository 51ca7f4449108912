"""The people who use the system, as thin async helpers over the services' public HTTP APIs.

Each actor holds a dev JWT for who it is (subject, roles, organisation) and speaks only HTTP:
no database, no topics. `Users` shares one HTTP client per service between every actor (a
token travels per request), so thousands of journeys do not open thousands of clients.

Who decides what (approval.domain.approver_for): line manager = the applicant's
`line_manager_id` as subject; departmental HR = role hr with the applicant's department as org;
ethics and vetting = the role alone; host stages = role host with the host's org; releasing
employer = role employer with the professional's employer as org; FCDO post = role fcdo_post
with the diplomat's post as org; BCC = role bcc with the opportunity's `bcc_chamber_id` as org.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from shared.auth import mint_dev_token
from shared.settings import DEV_JWT_SECRET

# How long a wait-for-condition may take before it fails: generous, because a loaded CI box
# (the whole suite, or other jobs) can hold a step up for tens of seconds; a pass returns at once.
PATIENCE = 90.0
T = TypeVar("T")
Json = dict[str, Any]


class ApiError(AssertionError):
    """An HTTP answer other than the one expected, with what the service said."""

    def __init__(self, response: httpx.Response, expected: tuple[int, ...]) -> None:
        request = response.request
        super().__init__(f"{request.method} {request.url} -> {response.status_code} "
                         f"(expected {expected}): {response.text[:1000]}")
        self.status_code = response.status_code
        self.response = response


def check(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200,)):
        raise ApiError(response, expected or (200,))
    return response.json() if response.content else None


async def wait_for(probe: Callable[[], Awaitable[T]], what: str | Callable[[], str],
                   within: float = PATIENCE, interval: float = 0.1) -> T:
    """Polls `probe` until it returns something truthy, and returns that. On timeout fails with
    `what` (a callable is asked then, so it can say what it saw last) and the last value (or
    error) seen, so the message says what never happened."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        try:
            last = await probe()
            if last:
                return last
        except (httpx.HTTPError, ApiError) as exc:  # a restarting service answers again later
            last = exc
        if time.monotonic() >= deadline:
            said = what() if callable(what) else what
            raise AssertionError(f"timed out after {within:.0f}s waiting for {said}; "
                                 f"last seen: {_short(last)}")
        await asyncio.sleep(interval)


def _short(value: Any, limit: int = 1500) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class Users:
    """Makes actors for one running system. `urls` maps service name -> base URL."""

    def __init__(self, urls: Mapping[str, str], timeout: float = 15.0) -> None:
        self.urls = dict(urls)
        self.timeout = timeout
        self._http: dict[str, httpx.AsyncClient] = {}

    @classmethod
    def of(cls, system: Any) -> Users:
        """From tests/e2e/system.py's System (any object with .services[name].url)."""
        return cls({name: proc.url for name, proc in system.services.items()})

    def http(self, service: str) -> httpx.AsyncClient:
        client = self._http.get(service)
        if client is None:
            # uvicorn drops a keep-alive connection after 5 s idle, httpx's default expiry is
            # also 5 s: a request could go out on a socket the server was just closing.
            client = httpx.AsyncClient(base_url=self.urls[service], timeout=self.timeout,
                                       limits=httpx.Limits(keepalive_expiry=2.0),
                                       transport=httpx.AsyncHTTPTransport(retries=2))
            self._http[service] = client
        return client

    async def aclose(self) -> None:
        for client in self._http.values():
            await client.aclose()
        self._http.clear()

    async def __aenter__(self) -> Users:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- who -----------------------------------------------------------------------------

    def applicant(self, sub: str | None = None) -> ApplicantActor:
        return ApplicantActor(self, sub or f"applicant-{uuid.uuid4().hex[:10]}", ("applicant",))

    def host(self, org: str, sub: str | None = None) -> HostActor:
        return HostActor(self, sub or f"host-user-{org}", ("host",), org)

    def approver(self, role: str, sub: str | None = None, org: str | None = None
                 ) -> ApproverActor:
        return ApproverActor(self, sub or f"{role}-{org or 'any'}", (role,), org)

    def line_manager(self, sub: str) -> ApproverActor:
        return self.approver("line_manager", sub)

    def departmental_hr(self, department: str) -> ApproverActor:
        return self.approver("hr", f"hr-{department}", department)

    def ethics(self) -> ApproverActor:
        return self.approver("ethics", "ethics-officer")

    def vetting(self) -> ApproverActor:
        return self.approver("vetting", "vetting-officer")

    def employer(self, org: str) -> ApproverActor:
        return self.approver("employer", f"employer-{org}", org)

    def fcdo_post(self, post: str) -> ApproverActor:
        return self.approver("fcdo_post", f"fcdo-{post}", post)

    def bcc(self, chamber: str) -> ApproverActor:
        return self.approver("bcc", f"bcc-{chamber}", chamber)

    def hr(self, sub: str = "central-hr") -> HrActor:
        return HrActor(self, sub, ("hr",), None)

    def for_stage(self, stage: Json) -> ApproverActor:
        """Whoever a stage (as GET /stages returns it) is waiting for."""
        role, org, user = stage["approver_role"], stage["approver_org_id"], stage["approver_id"]
        return self.approver(role, user or f"{role}-{org or 'any'}", org)


@dataclass
class Actor:
    users: Users
    sub: str
    roles: tuple[str, ...]
    org: str | None = None
    _token: str | None = field(default=None, repr=False)

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = mint_dev_token(self.sub, list(self.roles), self.org,
                                         secret=DEV_JWT_SECRET)
        return self._token

    async def call(self, service: str, method: str, path: str, *expected: int,
                   json: Any = None, params: Any = None, headers: Mapping[str, str] | None = None
                   ) -> Any:
        response = await self.raw(service, method, path, json=json, params=params,
                                  headers=headers)
        return check(response, *expected)

    async def raw(self, service: str, method: str, path: str, json: Any = None,
                  params: Any = None, headers: Mapping[str, str] | None = None
                  ) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        http = self.users.http(service)
        try:
            return await http.request(method, path, json=json, params=params,
                                      headers=all_headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if method != "GET":
                raise  # a write may have been applied: the caller decides
            return await http.request(method, path, params=params, headers=all_headers)

    # --- everyone: own inbox, and (host, HR, placee) placements ----------------------------

    async def inbox(self, limit: int = 200) -> list[Json]:
        return await self.call("notification", "GET", "/inbox", params={"limit": limit})

    async def placement(self, placement_id: str) -> Json:
        return await self.call("approval", "GET", f"/placements/{placement_id}")

    async def start_placement(self, placement_id: str, started_on: str | None = None) -> Json:
        body = {"started_on": started_on} if started_on else None
        return await self.call("approval", "POST", f"/placements/{placement_id}/start",
                               json=body)

    async def extend_placement(self, placement_id: str, new_end_date: str) -> Json:
        return await self.call("approval", "POST", f"/placements/{placement_id}/extend",
                               json={"new_end_date": new_end_date})

    async def end_placement(self, placement_id: str, outcome: str = "completed", **feedback: Any
                            ) -> Json:
        return await self.call("approval", "POST", f"/placements/{placement_id}/end",
                               json={"outcome": outcome, **feedback})


class ApplicantActor(Actor):
    async def save_profile(self, **profile: Any) -> Json:
        return await self.call("applicant", "PUT", "/applicants/me", 200, 201, json=profile)

    async def civil_servant(self, department: str, line_manager: str, **extra: Any) -> Json:
        return await self.save_profile(**{
            "kind": "civil_servant", "name": f"Civil Servant {self.sub}",
            "email": f"{self.sub}@civilservice.example", "organisation_id": department,
            "grade": "G7", "profession": "Policy", "line_manager_id": line_manager,
            "skills": ["policy"], "sectors": ["clean_energy"], **extra})

    async def industry_professional(self, employer: str, **extra: Any) -> Json:
        return await self.save_profile(**{
            "kind": "industry_professional", "name": f"Professional {self.sub}",
            "email": f"{self.sub}@industry.example", "organisation_id": employer,
            "role": "Head of Data", "clearance_held": "BPSS", "skills": ["data engineering"],
            "sectors": ["digital_and_technologies"], **extra})

    async def diplomat(self, post: str, **extra: Any) -> Json:
        return await self.save_profile(**{
            "kind": "diplomat", "name": f"Diplomat {self.sub}",
            "email": f"{self.sub}@fcdo.example", "organisation_id": post, "grade": "SEO",
            "skills": ["market access"], "sectors": ["creative_industries"], **extra})

    async def apply(self, scheme: str, earliest_start: str, desired_length_months: int,
                    idempotency_key: str | None = None, **extra: Any) -> Json:
        key = idempotency_key or str(uuid.uuid4())
        return await self.call("applicant", "POST", "/applications", 201,
                               headers={"Idempotency-Key": key},
                               json={"scheme": scheme, "earliest_start": earliest_start,
                                     "desired_length_months": desired_length_months, **extra})

    async def application(self, application_id: str) -> Json:
        return await self.call("applicant", "GET", f"/applications/{application_id}")

    async def applications(self, **params: Any) -> Json:
        return await self.call("applicant", "GET", "/applications", params=params)

    async def timeline(self, application_id: str) -> list[Json]:
        return await self.call("applicant", "GET", f"/applications/{application_id}/timeline")

    async def withdraw(self, application_id: str, reason: str | None = None) -> Json:
        return await self.call("applicant", "POST", f"/applications/{application_id}/withdraw",
                               json={"reason": reason} if reason else {})

    async def wait_status(self, application_id: str, *statuses: str, within: float = PATIENCE
                          ) -> Json:
        seen: list[str] = []

        async def probe() -> Json | None:
            app = await self.application(application_id)
            seen.append(app["status"])
            return app if app["status"] in statuses else None
        return await wait_for(probe, lambda: f"application {application_id} to be "
                                             f"{'/'.join(statuses)} (it is {seen[-1:]})", within)

    async def wait_timeline(self, application_id: str, event_type: str, count: int = 1,
                            within: float = PATIENCE) -> list[Json]:
        async def probe() -> list[Json] | None:
            lines = await self.timeline(application_id)
            return lines if sum(e["event_type"] == event_type for e in lines) >= count else None
        return await wait_for(probe, f"{count} x {event_type} on the timeline of "
                                     f"{application_id}", within)


class ApproverActor(Actor):
    """Any approver: line manager, departmental HR, ethics, vetting, employer, FCDO post, BCC,
    and hosts at their own stage (HostActor adds the rest of a host's work)."""

    async def stages(self, status: str | None = "open", limit: int = 200) -> list[Json]:
        found: list[Json] = []
        offset = 0
        while True:  # roles without an org (ethics, vetting) see every case: read all pages
            params = {"limit": limit, "offset": offset, **({"status": status} if status else {})}
            page = await self.call("approval", "GET", "/stages", params=params)
            found += page
            if len(page) < limit:
                return found
            offset += limit

    async def waiting_stage(self, application_id: str, stage: str | None = None,
                            within: float = PATIENCE) -> Json:
        """Waits until a stage of this application is open for me, and returns it."""
        async def probe() -> Json | None:
            return next((s for s in await self.stages("open")
                         if s["application_id"] == str(application_id)
                         and (stage is None or s["stage"] == stage)), None)
        return await wait_for(probe, f"an open {stage or 'stage'} for {self.roles[0]} "
                                     f"{self.org or self.sub} on application {application_id}",
                              within)

    async def stage(self, stage_id: str) -> Json:
        return await self.call("approval", "GET", f"/stages/{stage_id}")

    async def decide(self, stage_id: str, decision: str, **fields: Any) -> Json:
        return await self.call("approval", "POST", f"/stages/{stage_id}/decision",
                               json={"decision": decision, **fields})

    async def grant(self, stage_id: str, note: str | None = None,
                    mitigation: str | None = None) -> Json:
        fields = {k: v for k, v in (("note", note), ("mitigation", mitigation)) if v}
        return await self.decide(stage_id, "grant", **fields)

    async def refuse(self, stage_id: str, reason: str) -> Json:
        return await self.decide(stage_id, "refuse", reason=reason)


class HostActor(ApproverActor):
    async def post_opportunity(self, **fields: Any) -> Json:
        return await self.call("matching", "POST", "/opportunities", 201, json=fields)

    async def opportunity(self, opportunity_id: str) -> Json:
        return await self.call("matching", "GET", f"/opportunities/{opportunity_id}")

    async def opportunities(self) -> list[Json]:
        return await self.call("matching", "GET", "/opportunities", params={"limit": 200})

    async def close_opportunity(self, opportunity_id: str, reason: str | None = None) -> Json:
        return await self.call("matching", "POST", f"/opportunities/{opportunity_id}/close",
                               json={"reason": reason} if reason else None)

    async def candidates(self, opportunity_id: str) -> list[Json]:
        return await self.call("matching", "GET", f"/opportunities/{opportunity_id}/candidates")

    async def accept(self, stage_id: str, note: str | None = None) -> Json:
        return await self.decide(stage_id, "accept", **({"note": note} if note else {}))

    async def decline(self, stage_id: str, reason: str) -> Json:
        return await self.decide(stage_id, "decline", reason=reason)

    async def confirmed_placement_ids(self) -> list[str]:
        """Placement ids from the 'placement confirmed' messages in the host's inbox (their
        text names no ids; each item says, as ids, what it is about)."""
        return [item["about"]["placement_id"] for item in await self.inbox()
                if item["template"] == "placement_confirmed_host"
                and item["about"]["placement_id"]]

    async def wait_placement(self, application_id: str, within: float = PATIENCE) -> Json:
        """The confirmed placement of an application, once its message reaches the inbox."""
        async def probe() -> Json | None:
            for pid in await self.confirmed_placement_ids():
                placement = await self.placement(pid)
                if placement["application_id"] == str(application_id):
                    return placement
            return None
        return await wait_for(probe, f"a placement confirmed to host {self.org} for "
                                     f"application {application_id}", within, interval=0.2)


class HrActor(ApproverActor):
    """Central HR: the monitor, rounds, everyone's applications and notifications."""

    async def monitor_timeline(self, application_id: str) -> Json:
        return await self.call("monitor", "GET", f"/timeline/{application_id}")

    async def kpis(self) -> Json:
        return await self.call("monitor", "GET", "/kpis")

    async def dead_letters(self) -> Json:
        return await self.call("monitor", "GET", "/dead-letters")

    async def trigger_round(self, minimum_shares: list[Json] | None = None) -> Json:
        return await self.call("matching", "POST", "/rounds", 201,
                               json={"minimum_shares": minimum_shares or []})

    async def round(self, round_id: str) -> Json:
        return await self.call("matching", "GET", f"/rounds/{round_id}")

    async def notifications(self, application_id: str | None = None, **params: Any
                            ) -> list[Json]:
        query = {"limit": 200, **params}
        if application_id:
            query["application_id"] = str(application_id)
        return await self.call("notification", "GET", "/notifications", params=query)

    async def wait_monitor(self, application_id: str, *event_types: str,
                           within: float = PATIENCE) -> Json:
        """The monitor's timeline once it holds every one of `event_types`."""
        async def probe() -> Json | None:
            response = await self.raw("monitor", "GET", f"/timeline/{application_id}")
            if response.status_code == 404:
                return None
            timeline = check(response)
            seen = {s["event_type"] for s in timeline["steps"]}
            return timeline if set(event_types) <= seen else None
        return await wait_for(probe, f"the monitor's timeline of {application_id} to show "
                                     f"{', '.join(event_types)}", within)


# --- several people in turn ----------------------------------------------------------------

async def grant_in_order(application_id: str, chain: list[tuple[str, ApproverActor]],
                         within: float = PATIENCE) -> list[Json]:
    """Each approver in turn finds the stage waiting for them and says yes (hosts: accept;
    the ethics stage records a mitigation)."""
    decided = []
    for stage_name, approver in chain:
        stage = await approver.waiting_stage(application_id, stage_name, within)
        mitigation = ("recused from decisions about the host"
                      if stage_name == "conflict_of_interest" else None)
        answer = await approver.grant(stage["id"], note=f"{stage_name}: fine",
                                      mitigation=mitigation)
        if answer["status"] != "granted":
            raise AssertionError(f"{stage_name} was not granted: {answer}")
        decided.append(answer)
    return decided


def event_types(timeline: list[Json]) -> list[str]:
    return [line["event_type"] for line in timeline]
