"""Placement lifecycle: start, extend within the 12-month cap, end with outcome feedback."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.outbox import Outbox

from approval import conditions
from approval import repository as repo
from approval.domain import Party, RuleError, Who, check_ending, check_extension, party_of
from approval.events import envelope
from contracts import PlacementEnded, PlacementExtended, PlacementStarted

MANAGERS = (Party.HOST, Party.HR)


@dataclass(frozen=True)
class Ending:
    outcome: str
    reason: str | None = None
    ended_on: date | None = None
    host_rating: int | None = None
    placee_rating: int | None = None
    skills_gained: tuple[str, ...] = ()


def today() -> date:
    return datetime.now(UTC).date()


async def view(conn: asyncpg.Connection, placement_id: uuid.UUID, who: Who,
               lock: bool = False) -> tuple[asyncpg.Record, Party]:
    row = await repo.placement(conn, placement_id, lock=lock)
    party = row and party_of(who, row["applicant_id"], row["host_org_id"],
                             row["organisation_id"])
    if row is None or party is None:
        raise NotFound(f"no placement {placement_id} among yours", "placement_id")
    return row, party


def _common(row: asyncpg.Record) -> dict:
    return {**envelope(row, row["last_event_id"]), "placement_id": row["id"],
            "application_id": row["application_id"], "opportunity_id": row["opportunity_id"],
            "applicant_id": row["applicant_id"], "host_org_id": row["host_org_id"],
            "scheme": row["scheme"]}


def _managed(row: asyncpg.Record, party: Party, action: str) -> None:
    if party not in MANAGERS:
        raise Forbidden(f"only the host or HR may {action} a placement", "placement_id")


async def start(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
                started_on: date | None) -> None:
    row, party = await view(conn, placement_id, who, lock=True)
    _managed(row, party, "start")
    if row["status"] != "confirmed":
        raise Conflict(f"placement {placement_id} is already {row['status']}", "status")
    event = PlacementStarted(**_common(row), started_on=started_on or today())
    await repo.update_placement(conn, row["id"], status="started",
                                started_on=event.started_on, last_event_id=event.event_id)
    await outbox.add(conn, event)


async def extend(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
                 new_end: date) -> None:
    row, party = await view(conn, placement_id, who, lock=True)
    _managed(row, party, "extend")
    if row["status"] in ("ended", "withdrawn"):
        raise Conflict(f"placement {placement_id} is {row['status']}; it cannot be extended",
                       "status")
    try:
        check_extension(row["start_date"], row["end_date"], new_end)
    except RuleError as exc:
        raise Invalid(str(exc), exc.field) from None
    event = PlacementExtended(**_common(row), start_date=row["start_date"],
                              previous_end_date=row["end_date"], new_end_date=new_end)
    await repo.update_placement(conn, row["id"], end_date=new_end, last_event_id=event.event_id)
    await outbox.add(conn, event)


async def end(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
              ending: Ending) -> None:
    row, _ = await view(conn, placement_id, who, lock=True)
    if row["status"] != "started":
        raise Conflict(f"placement {placement_id} is {row['status']}; only a started "
                       "placement can end", "status")
    ended_on = ending.ended_on or today()
    try:
        check_ending(row["start_date"], ended_on, ending.outcome, ending.reason)
    except RuleError as exc:
        raise Invalid(str(exc), exc.field) from None
    event = PlacementEnded(**_common(row), sector=row["sector"], start_date=row["start_date"],
                           ended_on=ended_on, outcome=ending.outcome, ended_by=who.id,
                           reason=ending.reason, host_rating=ending.host_rating,
                           placee_rating=ending.placee_rating,
                           skills_gained=ending.skills_gained)
    await repo.update_placement(conn, row["id"], status="ended", ended_on=ended_on,
                                outcome=ending.outcome, ended_by=who.id,
                                end_reason=ending.reason, host_rating=ending.host_rating,
                                placee_rating=ending.placee_rating,
                                skills_gained=list(ending.skills_gained),
                                last_event_id=event.event_id)
    await outbox.add(conn, event)
    await conditions.on_placement_ended(conn, outbox, row, event)
