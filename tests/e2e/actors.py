"""The people who use the system, as testkit callers with the waits a journey test needs.

Each actor is a testkit.Caller (a dev JWT for who it is, a typed method per endpoint) and
speaks only HTTP: no database, no topics. `Users` is one testkit.Api for the running system
(one pooled client per service, a token travels per request), so thousands of journeys do not
open thousands of clients.

Who decides what (approval.domain.approver_for): line manager = the applicant's
`line_manager_id` as subject; departmental HR = role hr with the applicant's department as org;
ethics and vetting = the role alone; host stages = role host with the host's org; releasing
employer = role employer with the professional's employer as org; FCDO post = role fcdo_post
with the diplomat's post as org; BCC = role bcc with the opportunity's `bcc_chamber_id` as org.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

from testkit.models import (
    ApplicationOut,
    DecisionIn,
    EndIn,
    ExtendIn,
    OpportunityIn,
    OpportunityOut,
    PlacementOut,
    ProfileOut,
    StageOut,
    StartIn,
    TimelineEntry,
)

from testkit import Api, ApiError, Caller, Json, bodies, parse
from testkit import wait_for as _wait_for

__all__ = ["PATIENCE", "ApiError", "ApplicantActor", "ApproverActor", "HostActor", "HrActor",
           "Json", "Users", "event_types", "grant_in_order", "wait_for"]

# How long a wait-for-condition may take before it fails: generous, because a loaded CI box
# (the whole suite, or other jobs) can hold a step up for tens of seconds; a pass returns at once.
PATIENCE = 90.0
T = TypeVar("T")
Id = str | UUID


async def wait_for(probe: Callable[[], Awaitable[T]], what: str | Callable[[], str],
                   within: float = PATIENCE, interval: float = 0.1) -> T:
    return await _wait_for(probe, what, within, interval)


class Users(Api):
    """Makes actors for one running system. `urls` maps service name -> base URL."""

    @classmethod
    def of(cls, system: Any) -> Users:
        """From tests/e2e/system.py's System (any object with .services[name].url)."""
        return cls({name: proc.url for name, proc in system.services.items()})

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


class Actor(Caller):
    """Anyone: the placement's parties (host, HR, placee) start, extend and end it."""

    async def start(self, placement_id: Id, started_on: Any = None) -> PlacementOut:
        body = StartIn(started_on=started_on) if started_on else None
        return await self.start_placement(placement_id, body)

    async def extend(self, placement_id: Id, new_end_date: Any) -> PlacementOut:
        return await self.extend_placement(placement_id, ExtendIn(new_end_date=new_end_date))

    async def end(self, placement_id: Id, outcome: str = "completed", **feedback: Any
                  ) -> PlacementOut:
        return await self.end_placement(placement_id, EndIn(outcome=outcome, **feedback))


class ApplicantActor(Actor):
    async def as_kind(self, kind: str, organisation_id: str, **fields: Any) -> ProfileOut:
        return await self.save_profile(bodies.profile(kind, self.sub, organisation_id,
                                                      **fields))

    async def civil_servant(self, department: str, line_manager: str, **fields: Any
                            ) -> ProfileOut:
        fields = {"skills": ["policy"], "sectors": ["clean_energy"], **fields}
        return await self.as_kind("civil_servant", department, line_manager_id=line_manager,
                                  **fields)

    async def industry_professional(self, employer: str, **fields: Any) -> ProfileOut:
        fields = {"skills": ["data engineering"], "sectors": ["digital_and_technologies"],
                  **fields}
        return await self.as_kind("industry_professional", employer, **fields)

    async def diplomat(self, post: str, **fields: Any) -> ProfileOut:
        fields = {"skills": ["market access"], "sectors": ["creative_industries"], **fields}
        return await self.as_kind("diplomat", post, **fields)

    async def submit(self, scheme: str, earliest_start: str, months: int, **fields: Any
                     ) -> ApplicationOut:
        return await self.apply(bodies.application(scheme, earliest_start, months, **fields))

    async def wait_status(self, application_id: Id, *statuses: str, within: float = PATIENCE
                          ) -> ApplicationOut:
        seen: list[str] = []

        async def probe() -> ApplicationOut | None:
            app = await self.application(application_id)
            seen.append(app.status)
            return app if app.status in statuses else None
        return await wait_for(probe, lambda: f"application {application_id} to be "
                                             f"{'/'.join(statuses)} (it is {seen[-1:]})", within)

    async def wait_timeline(self, application_id: Id, event_type: str, count: int = 1,
                            within: float = PATIENCE) -> list[TimelineEntry]:
        async def probe() -> list[TimelineEntry] | None:
            lines = await self.timeline(application_id)
            return lines if event_types(lines).count(event_type) >= count else None
        return await wait_for(probe, f"{count} x {event_type} on the timeline of "
                                     f"{application_id}", within)


class ApproverActor(Actor):
    """Any approver: line manager, departmental HR, ethics, vetting, employer, FCDO post, BCC,
    and hosts at their own stage (HostActor adds the rest of a host's work)."""

    async def waiting_stage(self, application_id: Id, stage: str | None = None,
                            within: float = PATIENCE) -> StageOut:
        """Waits until a stage of this application is open for me, and returns it."""
        async def probe() -> StageOut | None:
            return next((s for s in await self.stages("open")
                         if str(s.application_id) == str(application_id)
                         and (stage is None or s.stage == stage)), None)
        return await wait_for(probe, f"an open {stage or 'stage'} for {self.roles[0]} "
                                     f"{self.org or self.sub} on application {application_id}",
                              within)

    async def grant(self, stage_id: Id, note: str | None = None,
                    mitigation: str | None = None) -> StageOut:
        return await self.decide(stage_id, DecisionIn(decision="grant", note=note,
                                                      mitigation=mitigation))

    async def refuse(self, stage_id: Id, reason: str) -> StageOut:
        return await self.decide(stage_id, DecisionIn(decision="refuse", reason=reason))


class HostActor(ApproverActor):
    async def post_opportunity(self, **fields: Any) -> OpportunityOut:
        return await self.publish(OpportunityIn(**fields))

    async def accept(self, stage_id: Id, note: str | None = None) -> StageOut:
        return await self.decide(stage_id, DecisionIn(decision="accept", note=note))

    async def decline(self, stage_id: Id, reason: str) -> StageOut:
        return await self.decide(stage_id, DecisionIn(decision="decline", reason=reason))

    async def confirmed_placement_ids(self) -> list[str]:
        """Placement ids from the 'placement confirmed' messages in the host's inbox (their
        text names no ids; each item says, as ids, what it is about)."""
        return [str(item.about.placement_id) for item in await self.inbox()
                if item.template == "placement_confirmed_host" and item.about.placement_id]

    async def wait_placement(self, application_id: Id, within: float = PATIENCE
                             ) -> PlacementOut:
        """The confirmed placement of an application, once its message reaches the inbox."""
        async def probe() -> PlacementOut | None:
            for pid in await self.confirmed_placement_ids():
                placement = await self.placement(pid)
                if str(placement.application_id) == str(application_id):
                    return placement
            return None
        return await wait_for(probe, f"a placement confirmed to host {self.org} for "
                                     f"application {application_id}", within, interval=0.2)


class HrActor(ApproverActor):
    """Central HR: the monitor, rounds, everyone's applications and notifications."""

    async def wait_monitor(self, application_id: Id, *event_types: str,
                           within: float = PATIENCE) -> Json:
        """The monitor's timeline once it holds every one of `event_types`."""
        async def probe() -> Json | None:
            response = await self.raw("monitor", "GET", f"/timeline/{application_id}")
            if response.status_code == 404:
                return None
            timeline = parse(response, Json)
            seen = {s["event_type"] for s in timeline["steps"]}
            return timeline if set(event_types) <= seen else None
        return await wait_for(probe, f"the monitor's timeline of {application_id} to show "
                                     f"{', '.join(event_types)}", within)


# --- several people in turn ----------------------------------------------------------------

async def grant_in_order(application_id: Id, chain: list[tuple[str, ApproverActor]],
                         within: float = PATIENCE) -> list[StageOut]:
    """Each approver in turn finds the stage waiting for them and says yes (hosts: accept;
    the ethics stage records a mitigation)."""
    decided = []
    for stage_name, approver in chain:
        stage = await approver.waiting_stage(application_id, stage_name, within)
        mitigation = ("recused from decisions about the host"
                      if stage_name == "conflict_of_interest" else None)
        answer = await approver.grant(stage.id, note=f"{stage_name}: fine",
                                      mitigation=mitigation)
        if answer.status != "granted":
            raise AssertionError(f"{stage_name} was not granted: {answer}")
        decided.append(answer)
    return decided


def event_types(timeline: list[TimelineEntry] | list[Json]) -> list[str]:
    return [line.event_type if isinstance(line, TimelineEntry) else line["event_type"]
            for line in timeline]

