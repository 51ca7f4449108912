"""Integrity after return: record a person's conditions when their placement ends, refuse a
stage decision they are barred from, and list the conditions in force for HR.

`on_placement_ended` is called from the one place a placement end is applied
(`lifecycle.end`), so every way of ending one records them. The rules (periods by grade, what
is covered) are in `return_rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg
from shared.errors import Forbidden
from shared.outbox import Outbox
from shared.unit_of_work import UnitsOfWork

from approval.conflicts import title
from approval.domain import Who
from approval.events import envelope
from approval.return_rules import conditions_for
from contracts import (
    OUTWARD,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    Grade,
    PlacementEnded,
    ReturnConditionsRecorded,
)
from shared import erasure

COLUMNS = ("placement_id", "application_id", "applicant_id", "scheme", "condition_kind",
           "former_host_org_id", "organisation_id", "grade", "ended_on", "restricted_until",
           "restricted_decisions", "confidentiality")


async def on_application_submitted(_: Any, conn: asyncpg.Connection,
                                   event: ApplicationSubmitted | ApplicationSubmittedV2) -> None:
    """Keep the grade the application was made at: the restriction period depends on it
    (not for someone already erased: a submission overtaken by its erasure leaves nothing)."""
    if event.grade is not None and not await erasure.is_erased(conn, event.applicant_id):
        await conn.execute("INSERT INTO application_grades (application_id, grade)"
                           " VALUES ($1, $2) ON CONFLICT DO NOTHING",
                           event.application_id, event.grade.value)


async def on_placement_ended(conn: asyncpg.Connection, outbox: Outbox, placement: asyncpg.Record,
                             ended: PlacementEnded) -> ReturnConditionsRecorded:
    """Record the conditions of the person whose placement just ended, and announce them."""
    grade = await conn.fetchval("SELECT grade FROM application_grades WHERE application_id = $1",
                                placement["application_id"])
    rules = conditions_for(placement["scheme"], grade and Grade(grade), ended.ended_on)
    event = ReturnConditionsRecorded(
        **envelope(placement, ended.event_id), placement_id=placement["id"],
        application_id=placement["application_id"], applicant_id=placement["applicant_id"],
        scheme=placement["scheme"], condition_kind=rules.kind,
        former_host_org_id=placement["host_org_id"],
        organisation_id=placement["organisation_id"], grade=grade, ended_on=ended.ended_on,
        restricted_until=rules.restricted_until,
        restricted_decisions=rules.restricted_decisions, confidentiality=rules.confidentiality)
    row = event.model_dump(mode="python", include=set(COLUMNS))
    row["restricted_decisions"] = list(event.restricted_decisions)
    marks = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 1))
    await conn.execute(f"INSERT INTO return_conditions ({', '.join(COLUMNS)}) VALUES ({marks})"
                       " ON CONFLICT (placement_id) DO NOTHING",
                       *(_plain(row[c]) for c in COLUMNS))
    await outbox.add(conn, event)
    return event


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


async def check_decider(conn: asyncpg.Connection, who: Who, stage: asyncpg.Record,
                        host_org_id: str, today: date) -> None:
    """403 when the decider came back from a placement with this stage's host and the
    restriction still runs (its last day included): it names the condition and its end."""
    barred = await conn.fetchrow(
        "SELECT former_host_org_id, restricted_until, ended_on FROM return_conditions"
        " WHERE applicant_id = $1 AND former_host_org_id = $2 AND condition_kind = $3"
        " AND restricted_until >= $4 ORDER BY restricted_until DESC LIMIT 1",
        who.id, host_org_id, OUTWARD, today)
    if barred is None:
        return
    until = barred["restricted_until"]
    raise Forbidden(
        f"You may not decide {title(stage)}: your placement with {host_org_id} ended "
        f"{when_day(barred['ended_on'])}, and your return conditions bar you from decisions "
        f"involving {host_org_id} (its procurement, regulation, grants and placements) until "
        f"{when_day(until)} inclusive. Ask HR to reassign this stage. Your decision was not "
        "recorded.", "decision")


def when_day(day: date) -> str:
    """'4 January 2028' (no ISO date in anything a person reads)."""
    return f"{day.day} {day:%B %Y}"


async def listing(conn: asyncpg.Connection, who: Who, today: date, in_force_only: bool,
                  limit: int, offset: int) -> list[asyncpg.Record]:
    """Central HR sees every person's conditions; departmental HR those of people returning
    to its own organisation."""
    return await conn.fetch(
        "SELECT * FROM return_conditions WHERE ($1::date IS NULL OR restricted_until >= $1)"
        " AND ($2::text IS NULL OR organisation_id = $2)"
        " ORDER BY restricted_until, placement_id LIMIT $3 OFFSET $4",
        today if in_force_only else None, None if who.is_central_hr else who.org,
        limit, offset)



class HasClock(Protocol):
    clock: Callable[[], datetime]


class ReturnConditions:
    """HR's view of the conditions people carry back from their placements."""

    def __init__(self, units: UnitsOfWork, approvals: HasClock) -> None:
        self.units = units
        self.approvals = approvals  # its clock decides what is still in force

    async def listing(self, who: Who, in_force_only: bool, limit: int,
                      offset: int) -> list[asyncpg.Record]:
        async with self.units.read() as conn:
            today = self.approvals.clock().date()
            return await listing(conn, who, today, in_force_only, limit, offset)
