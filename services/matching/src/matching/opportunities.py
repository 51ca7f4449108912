"""Use cases for hosts' opportunities: publish, amend before any match, close, and read."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
from pydantic import ValidationError
from shared.errors import Conflict, Invalid, NotFound
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from contracts import OpportunityAmended, OpportunityClosed, OpportunityPublished
from matching import domain
from matching import repository as repo
from matching.handlers import PRODUCER, Matching
from matching.schemas import CandidateOut, OpportunityOut


def check_rules(data: dict[str, Any], today: date) -> None:
    """Rules beyond the field types; each names its field."""
    sme = domain.sme_violation(str(data["scheme"]), int(data["host_staff_count"]))
    if sme:
        raise Invalid(sme, "host_staff_count")
    if str(data["scheme"]) == "diplomatic" and not data.get("bcc_chamber_id"):
        raise Invalid("bcc_chamber_id: a diplomatic-scheme opportunity needs the BCC chamber "
                      "that puts the SME forward", "bcc_chamber_id")
    if data.get("region") and str(data["country"]) != "GB":
        raise Invalid("region: an ITL1 region is only given for opportunities in the UK "
                      "(country GB)", "region")
    if data["start_window_from"] <= today:
        raise Invalid("start_window_from: the start window must open in the future",
                      "start_window_from")
    if data["start_window_to"] < data["start_window_from"]:
        raise Invalid("start_window_to: must not be before start_window_from", "start_window_to")
    if data["closing_date"] < today:
        raise Invalid("closing_date: must not be in the past", "closing_date")
    if data["closing_date"] > data["start_window_to"]:
        raise Invalid("closing_date: applications must close before the start window ends",
                      "closing_date")
    gmin, gmax = data.get("grade_min"), data.get("grade_max")
    if gmin and gmax and domain.GRADE_RANK[str(gmin)] > domain.GRADE_RANK[str(gmax)]:
        raise Invalid("grade_max: must not be below grade_min", "grade_max")


def _event(cls: type, data: dict[str, Any], opportunity_id: uuid.UUID) -> Any:
    try:
        return cls(producer=PRODUCER, correlation_id=opportunity_id, **data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(map(str, first["loc"])) or None
        raise Invalid(f"{field}: {first['msg']}", field) from None


class Opportunities:
    """Hosts' use cases (publish, amend, close) and the reads of opportunities. Each command is
    one unit of work: it takes the capacity lock first when it may hand out places."""

    def __init__(self, matching: Matching, units: UnitsOfWork) -> None:
        self.matching = matching
        self.units = units

    async def publish(self, host_org_id: str, fields: dict[str, Any]) -> OpportunityOut:
        check_rules(fields, self.matching.rules().today)
        opportunity_id = uuid.uuid4()
        event = _event(OpportunityPublished, {**fields, "opportunity_id": opportunity_id,
                                              "host_org_id": host_org_id}, opportunity_id)
        data = event.model_dump(mode="json", include=set(_data_fields()))
        async with self.units() as uow:
            await repo.lock_capacity(uow.conn)
            await repo.insert_opportunity(uow.conn, data)
            await uow.publish(event)
            return await self._offered(uow, opportunity_id, event)

    async def amend(self, host_org_id: str, opportunity_id: uuid.UUID,
                    changes: dict[str, Any]) -> OpportunityOut:
        async with self.units() as uow:
            await repo.lock_capacity(uow.conn)
            row = await owned(uow.conn, opportunity_id, host_org_id, for_update=True)
            if row["status"] != "open":
                raise Conflict("opportunity is closed; publish a new one", "status")
            if row["proposals_made"] > 0:
                raise Conflict("opportunity already has proposed candidates; amendments are "
                               "only allowed before any match (close it and publish a new one)",
                               "status")
            current = OpportunityPublished(producer=PRODUCER, correlation_id=opportunity_id,
                                           **row["data"])
            merged = {**current.model_dump(include=set(_data_fields())), **changes}
            check_rules(merged, self.matching.rules().today)
            event = _event(OpportunityAmended, merged, opportunity_id)
            await repo.update_opportunity(uow.conn, opportunity_id, event.model_dump(
                mode="json", include=set(_data_fields())))
            await uow.publish(event)
            return await self._offered(uow, opportunity_id, event)

    async def _offered(self, uow: UnitOfWork, opportunity_id: uuid.UUID,
                       event: Any) -> OpportunityOut:
        """New or changed places go to waiting applications at once (continuous matching)."""
        if self.matching.settings.continuous_matching:
            await self.matching.fill_places(uow.conn, opportunity_id, event)
        return OpportunityOut.of(await repo.get_opportunity(uow.conn, opportunity_id))

    async def close(self, host_org_id: str, opportunity_id: uuid.UUID,
                    reason: str | None) -> OpportunityOut:
        async with self.units() as uow:
            row = await owned(uow.conn, opportunity_id, host_org_id, for_update=True)
            if row["status"] == "open":
                await repo.close_opportunity(uow.conn, opportunity_id)
                await uow.publish(OpportunityClosed(
                    producer=PRODUCER, correlation_id=opportunity_id,
                    opportunity_id=opportunity_id, host_org_id=host_org_id,
                    reason=reason or "withdrawn by host"))
            return OpportunityOut.of(await repo.get_opportunity(uow.conn, opportunity_id))

    # --- reads: `scope` None is central HR (every opportunity), else the host's org ----------

    async def listing(self, scope: str | None, limit: int, offset: int) -> list[OpportunityOut]:
        async with self.units.read() as conn:
            rows = await repo.list_opportunities(conn, scope, limit, offset)
        return [OpportunityOut.of(r) for r in rows]

    async def get(self, scope: str | None, opportunity_id: uuid.UUID) -> OpportunityOut:
        async with self.units.read() as conn:
            return OpportunityOut.of(await owned(conn, opportunity_id, scope))

    async def candidates(self, scope: str | None, opportunity_id: uuid.UUID, limit: int,
                         offset: int) -> list[CandidateOut]:
        async with self.units.read() as conn:
            await owned(conn, opportunity_id, scope)
            rows = await repo.candidates(conn, opportunity_id, limit, offset)
        return [CandidateOut.of(r) for r in rows]

    async def proposal(self, scope: str | None, match_id: uuid.UUID) -> CandidateOut:
        """One candidate proposed to the caller's organisation (central HR: any)."""
        async with self.units.read() as conn:
            row = await repo.proposal(conn, match_id)
        if row is None or (scope is not None and row["host_org_id"] != scope):
            raise NotFound(f"no proposal {match_id} for this organisation", "match_id")
        return CandidateOut.of(row)


async def owned(conn: asyncpg.Connection, opportunity_id: uuid.UUID, host_org_id: str | None,
                for_update: bool = False) -> asyncpg.Record:
    """Someone else's opportunity is as good as missing (404), so ids cannot be probed."""
    row = await repo.get_opportunity(conn, opportunity_id, for_update)
    if row is None or (host_org_id is not None and row["host_org_id"] != host_org_id):
        raise NotFound(f"no opportunity {opportunity_id} for this organisation",
                       "opportunity_id")
    return row


def _data_fields() -> list[str]:
    return [f for f in OpportunityPublished.model_fields
            if f not in ("event_id", "event_type", "schema_version", "occurred_at", "producer",
                         "correlation_id", "causation_id")]
