"""One person (or robot) calling the services: a dev JWT for who it is, and a typed method per
endpoint, taking the services' request models and returning their response models.

Each method checks the status it expects and raises ApiError otherwise; `raw` is there for
calls a test wants to see fail in its own way. The monitor has no response models (its
answers are reports), so its methods return plain JSON.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import httpx
from pydantic import BaseModel

from testkit.http import Api, parse, to_json
from testkit.models import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    CandidateOut,
    CloseIn,
    DecisionIn,
    DeclineIn,
    EndIn,
    ExtendIn,
    InboxItem,
    Notification,
    OpportunityIn,
    OpportunityOut,
    PlacementOut,
    ProfileIn,
    ProfileOut,
    RankingIn,
    RankingOut,
    RoundIn,
    RoundOut,
    StageOut,
    StartIn,
    TimelineEntry,
    WebhookIn,
    WebhookOut,
    WithdrawIn,
)

T = TypeVar("T")
Json = dict[str, Any]
Id = str | UUID
PAGE = 200


@dataclass
class Caller:
    api: Api
    sub: str
    roles: tuple[str, ...]
    org: str | None = None
    _token: str | None = field(default=None, repr=False)

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = self.api.token(self.sub, self.roles, self.org)
        return self._token

    async def raw(self, service: str, method: str, path: str, *, json: Any = None,
                  params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> httpx.Response:
        return await self.api.send(service, method, path, self.token, json=to_json(json),
                                   params=params, headers=headers)

    async def call(self, shape: type[T] | Any, service: str, method: str, path: str,
                   *expected: int, json: BaseModel | Json | None = None,
                   params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> T:
        response = await self.raw(service, method, path, json=json, params=params,
                                  headers=headers)
        return parse(response, shape, *expected)

    # --- applicant ------------------------------------------------------------------------

    async def save_profile(self, profile: ProfileIn) -> ProfileOut:
        return await self.call(ProfileOut, "applicant", "PUT", "/applicants/me", 200, 201,
                               json=profile)

    async def apply(self, application: ApplicationIn, key: str | None = None
                    ) -> ApplicationOut:
        """Submits with an Idempotency-Key (a fresh one unless given: give the same one to
        repeat a submission safely)."""
        return await self.call(ApplicationOut, "applicant", "POST", "/applications", 201,
                               json=application,
                               headers={"Idempotency-Key": key or str(uuid.uuid4())})

    async def application(self, application_id: Id) -> ApplicationOut:
        return await self.call(ApplicationOut, "applicant", "GET",
                               f"/applications/{application_id}")

    async def applications(self, **params: Any) -> ApplicationPage:
        return await self.call(ApplicationPage, "applicant", "GET", "/applications",
                               params=params)

    async def timeline(self, application_id: Id) -> list[TimelineEntry]:
        return await self.call(list[TimelineEntry], "applicant", "GET",
                               f"/applications/{application_id}/timeline")

    async def withdraw(self, application_id: Id, reason: str | None = None) -> ApplicationOut:
        return await self.call(ApplicationOut, "applicant", "POST",
                               f"/applications/{application_id}/withdraw",
                               json=WithdrawIn(reason=reason) if reason else WithdrawIn())

    # --- matching -------------------------------------------------------------------------

    async def publish(self, opportunity: OpportunityIn) -> OpportunityOut:
        return await self.call(OpportunityOut, "matching", "POST", "/opportunities", 201,
                               json=opportunity)

    async def opportunity(self, opportunity_id: Id) -> OpportunityOut:
        return await self.call(OpportunityOut, "matching", "GET",
                               f"/opportunities/{opportunity_id}")

    async def opportunities(self, limit: int = PAGE) -> list[OpportunityOut]:
        return await self.call(list[OpportunityOut], "matching", "GET", "/opportunities",
                               params={"limit": limit})

    async def close_opportunity(self, opportunity_id: Id, reason: str | None = None
                                ) -> OpportunityOut:
        return await self.call(OpportunityOut, "matching", "POST",
                               f"/opportunities/{opportunity_id}/close",
                               json=CloseIn(reason=reason) if reason else None)

    async def candidates(self, opportunity_id: Id) -> list[CandidateOut]:
        return await self.call(list[CandidateOut], "matching", "GET",
                               f"/opportunities/{opportunity_id}/candidates")

    async def start_round(self, body: RoundIn | None = None) -> RoundOut:
        # 200: another HR user's start at the same moment made the round this one joined.
        return await self.call(RoundOut, "matching", "POST", "/rounds", 201, 200,
                               json=body or RoundIn(minimum_shares=[]))

    async def round(self, round_id: Id) -> RoundOut:
        return await self.call(RoundOut, "matching", "GET", f"/rounds/{round_id}")

    async def rank(self, application_id: Id, opportunity_ids: list[Id]) -> RankingOut:
        return await self.call(RankingOut, "matching", "PUT",
                               f"/applications/{application_id}/ranking",
                               json=RankingIn(opportunity_ids=opportunity_ids))

    async def decline_proposal(self, application_id: Id, reason: str | None = None
                               ) -> CandidateOut:
        return await self.call(CandidateOut, "matching", "POST",
                               f"/my-proposals/{application_id}/decline",
                               json=DeclineIn(reason=reason) if reason else None)

    # --- approval -------------------------------------------------------------------------

    async def stages(self, status: str | None = "open", every_page: bool = True
                     ) -> list[StageOut]:
        """Stages I may see; every page unless told (roles without an org see every case)."""
        found: list[StageOut] = []
        while True:
            params = {"limit": PAGE, "offset": len(found), **({"status": status} if status
                                                                else {})}
            page = await self.call(list[StageOut], "approval", "GET", "/stages", params=params)
            found += page
            if len(page) < PAGE or not every_page:
                return found

    async def stage(self, stage_id: Id) -> StageOut:
        return await self.call(StageOut, "approval", "GET", f"/stages/{stage_id}")

    async def decide(self, stage_id: Id, decision: DecisionIn) -> StageOut:
        return await self.call(StageOut, "approval", "POST", f"/stages/{stage_id}/decision",
                               json=decision)

    async def placement(self, placement_id: Id) -> PlacementOut:
        return await self.call(PlacementOut, "approval", "GET", f"/placements/{placement_id}")

    async def start_placement(self, placement_id: Id, body: StartIn | None = None
                              ) -> PlacementOut:
        return await self.call(PlacementOut, "approval", "POST",
                               f"/placements/{placement_id}/start", json=body)

    async def extend_placement(self, placement_id: Id, body: ExtendIn) -> PlacementOut:
        return await self.call(PlacementOut, "approval", "POST",
                               f"/placements/{placement_id}/extend", json=body)

    async def end_placement(self, placement_id: Id, body: EndIn) -> PlacementOut:
        return await self.call(PlacementOut, "approval", "POST",
                               f"/placements/{placement_id}/end", json=body)

    # --- notification ---------------------------------------------------------------------

    async def inbox(self, limit: int = PAGE, unread_only: bool = False) -> list[InboxItem]:
        params = {"limit": limit, **({"unread_only": "true"} if unread_only else {})}
        return await self.call(list[InboxItem], "notification", "GET", "/inbox", params=params)

    async def mark_read(self, message_id: Id) -> InboxItem:
        return await self.call(InboxItem, "notification", "POST", f"/inbox/{message_id}/read")

    async def notifications(self, application_id: Id | None = None, **params: Any
                            ) -> list[Notification]:
        query = {"limit": PAGE, **params}
        if application_id:
            query["application_id"] = str(application_id)
        return await self.call(list[Notification], "notification", "GET", "/notifications",
                               params=query)

    async def register_webhook(self, url: str) -> WebhookOut:
        return await self.call(WebhookOut, "notification", "POST", "/webhooks", 201,
                               json=WebhookIn(url=url))

    # --- monitor (reports: plain JSON) ----------------------------------------------------

    async def monitor_timeline(self, application_id: Id) -> Json:
        return await self.call(Any, "monitor", "GET", f"/timeline/{application_id}")

    async def kpis(self) -> Json:
        return await self.call(Any, "monitor", "GET", "/kpis")

    async def dead_letters(self) -> Json:
        return await self.call(Any, "monitor", "GET", "/dead-letters")


def approver_for(api: Api, stage: StageOut, robot: str | None = None) -> Caller:
    """Whoever `stage` is waiting for: the named user, else someone holding its role in its
    organisation (`robot` names them, by default after the role and organisation)."""
    role, org = stage.approver_role, stage.approver_org_id
    return Caller(api, stage.approver_id or robot or f"{role}-{org or 'any'}", (role,), org)
