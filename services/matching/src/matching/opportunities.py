"""Use cases for hosts' opportunities: publish, amend before any match, close."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
from pydantic import ValidationError
from shared.errors import Conflict, Invalid, NotFound

from contracts import OpportunityAmended, OpportunityClosed, OpportunityPublished
from matching import domain
from matching import repository as repo
from matching.handlers import PRODUCER, Matching


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


async def publish(pool: asyncpg.Pool, matching: Matching, host_org_id: str,
                  fields: dict[str, Any]) -> asyncpg.Record:
    check_rules(fields, matching.rules().today)
    opportunity_id = uuid.uuid4()
    event = _event(OpportunityPublished, {**fields, "opportunity_id": opportunity_id,
                                          "host_org_id": host_org_id}, opportunity_id)
    data = event.model_dump(mode="json", include=set(_data_fields()))
    async with pool.acquire() as conn, conn.transaction():
        await repo.lock_capacity(conn)
        await repo.insert_opportunity(conn, data)
        await matching.outbox.add(conn, event)
        if matching.settings.continuous_matching:
            await matching.fill_places(conn, opportunity_id, event)
        return await repo.get_opportunity(conn, opportunity_id)


async def amend(pool: asyncpg.Pool, matching: Matching, host_org_id: str,
                opportunity_id: uuid.UUID, changes: dict[str, Any]) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        await repo.lock_capacity(conn)
        row = await owned(conn, opportunity_id, host_org_id, for_update=True)
        if row["status"] != "open":
            raise Conflict("opportunity is closed; publish a new one", "status")
        if row["proposals_made"] > 0:
            raise Conflict("opportunity already has proposed candidates; amendments are only "
                           "allowed before any match (close it and publish a new one)", "status")
        current = OpportunityPublished(producer=PRODUCER, correlation_id=opportunity_id,
                                       **row["data"])
        merged = {**current.model_dump(include=set(_data_fields())), **changes}
        check_rules(merged, matching.rules().today)
        event = _event(OpportunityAmended, merged, opportunity_id)
        await repo.update_opportunity(conn, opportunity_id,
                                      event.model_dump(mode="json", include=set(_data_fields())))
        await matching.outbox.add(conn, event)
        if matching.settings.continuous_matching:
            await matching.fill_places(conn, opportunity_id, event)
        return await repo.get_opportunity(conn, opportunity_id)


async def close(pool: asyncpg.Pool, matching: Matching, host_org_id: str,
                opportunity_id: uuid.UUID, reason: str | None) -> asyncpg.Record:
    async with pool.acquire() as conn, conn.transaction():
        row = await owned(conn, opportunity_id, host_org_id, for_update=True)
        if row["status"] == "open":
            await repo.close_opportunity(conn, opportunity_id)
            await matching.outbox.add(conn, OpportunityClosed(
                producer=PRODUCER, correlation_id=opportunity_id, opportunity_id=opportunity_id,
                host_org_id=host_org_id, reason=reason or "withdrawn by host"))
        return await repo.get_opportunity(conn, opportunity_id)


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
