"""Placement lifecycle: start, extend within the 12-month cap, end (by a party, or by itself
on its end date through a durable timer) with outcome feedback."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.logging import get_logger
from shared.outbox import Outbox

from approval import conditions, placement_sql
from approval import repository as repo
from approval.domain import (
    OWN_RATING,
    Party,
    RuleError,
    Span,
    Who,
    check_ending,
    check_extension,
    check_start,
    party_of,
)
from approval.events import envelope
from contracts import PlacementEnded, PlacementExtended, PlacementOutcome, PlacementStarted

log = get_logger(__name__)
MANAGERS = (Party.HOST, Party.HR)
ENDERS = (Party.PLACEE, Party.HOST, Party.HR)
SYSTEM = "system"  # PlacementEnded.ended_by when the end date ended it


@dataclass(frozen=True)
class Ending:
    outcome: str
    reason: str | None = None
    ended_on: date | None = None
    host_rating: int | None = None
    placee_rating: int | None = None
    skills_gained: tuple[str, ...] = ()

    def own_rating_only(self, party: Party) -> Ending:
        """One caller speaks for one side: the other side's rating is not theirs to give."""
        own = OWN_RATING.get(party)
        return replace(self, host_rating=self.host_rating if own == "host_rating" else None,
                       placee_rating=self.placee_rating if own == "placee_rating" else None)


def today() -> date:
    return datetime.now(UTC).date()


def _obeying(rule: Callable[..., None], *args: Any) -> None:
    try:
        rule(*args)
    except RuleError as exc:
        raise Invalid(str(exc), exc.field) from None


async def view(conn: asyncpg.Connection, placement_id: uuid.UUID, who: Who,
               lock: bool = False) -> tuple[asyncpg.Record, Party]:
    row = await repo.placement(conn, placement_id, lock=lock)
    party = row and party_of(who, row["applicant_id"], row["host_org_id"],
                             row["organisation_id"])
    if row is None or party is None:
        raise NotFound(f"no placement {placement_id} among yours", "placement_id")
    return row, party


def placement_ref(row: asyncpg.Record) -> dict:
    """The fields every event about this placement names first, caused by its last event."""
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
    started_on = started_on or today()
    _obeying(check_start, started_on, row["end_date"])
    event = PlacementStarted(**placement_ref(row), started_on=started_on)
    await repo.update_placement(conn, row["id"], status="started",
                                started_on=event.started_on, last_event_id=event.event_id)
    await placement_sql.set_end_timer(conn, row["id"])
    await outbox.add(conn, event)


async def extend(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
                 new_end: date) -> None:
    row, party = await view(conn, placement_id, who, lock=True)
    _managed(row, party, "extend")
    if row["status"] in ("ended", "withdrawn"):
        raise Conflict(f"placement {placement_id} is {row['status']}; it cannot be extended",
                       "status")
    _obeying(check_extension, row["start_date"], row["end_date"], new_end)
    event = PlacementExtended(**placement_ref(row), start_date=row["start_date"],
                              previous_end_date=row["end_date"], new_end_date=new_end)
    await repo.update_placement(conn, row["id"], end_date=new_end, last_event_id=event.event_id)
    await placement_sql.move_end_timer(conn, row["id"])
    await outbox.add(conn, event)


async def end(conn: asyncpg.Connection, outbox: Outbox, placement_id: uuid.UUID, who: Who,
              ending: Ending) -> None:
    row, party = await view(conn, placement_id, who, lock=True)
    if party not in ENDERS:
        raise Forbidden("only the placee, the host or HR may end a placement; the releasing "
                        "employer gives feedback once it has ended", "placement_id")
    if row["status"] != "started":
        raise Conflict(f"placement {placement_id} is {row['status']}; only a started "
                       "placement can end", "status")
    ended_on = ending.ended_on or today()
    span = Span(_started(row), row["end_date"], today())
    _obeying(check_ending, span, ended_on, ending.outcome, ending.reason)
    await placement_sql.cancel_end_timer(conn, row["id"])
    await _record_end(conn, outbox, row, who.id,
                      replace(ending.own_rating_only(party), ended_on=ended_on))


async def end_on_schedule(conn: asyncpg.Connection, outbox: Outbox,
                          timer: asyncpg.Record) -> str | None:
    """Fire a claimed `placement_end` timer: a placement still running ends, completed, on
    its end date. None when a person's request holds the placement right now: the timer stays
    unfired for the next poll (waiting here could deadlock with that request, which cancels or
    moves this very timer)."""
    if not await placement_sql.lock_unfired(conn, timer["id"]):
        return "skipped"  # fired or cancelled already: a second firing does nothing
    row = await repo.placement(conn, timer["placement_id"], lock=True, skip_locked=True)
    if row is None:
        return None
    outcome = "skipped"  # ended by a person, or withdrawn, before its end date
    if row["status"] == "started":
        outcome = "fired"
        ended_on = max(row["end_date"], _started(row))
        await _record_end(conn, outbox, row, SYSTEM,
                          Ending(PlacementOutcome.COMPLETED, ended_on=ended_on))
    await repo.mark_fired(conn, timer["id"], outcome)
    log.info("timer", kind=timer["kind"], placement=str(row["id"]), outcome=outcome)
    return outcome


def _started(row: asyncpg.Record) -> date:
    """The day it actually started (the planned start for a row from before started_on)."""
    return row["started_on"] or row["start_date"]


async def _record_end(conn: asyncpg.Connection, outbox: Outbox, row: asyncpg.Record,
                      ended_by: str, ending: Ending) -> None:
    """Every end, a party's or the timer's, is recorded and announced here."""
    event = PlacementEnded(**placement_ref(row), sector=row["sector"], start_date=_started(row),
                           ended_on=ending.ended_on, outcome=ending.outcome, ended_by=ended_by,
                           reason=ending.reason, host_rating=ending.host_rating,
                           placee_rating=ending.placee_rating,
                           skills_gained=ending.skills_gained)
    await repo.update_placement(conn, row["id"], status="ended", ended_on=ending.ended_on,
                                outcome=ending.outcome, ended_by=ended_by,
                                end_reason=ending.reason, host_rating=ending.host_rating,
                                placee_rating=ending.placee_rating,
                                skills_gained=list(ending.skills_gained),
                                last_event_id=event.event_id)
    await outbox.add(conn, event)
    await conditions.on_placement_ended(conn, outbox, row, event)
