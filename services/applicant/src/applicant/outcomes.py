"""Outcome measurement use cases: schedule follow-ups when an application leaves the scheme,
fire their timers (invitation, reminders, lapse) and record the first answer.

Only applicants who consented at application are followed up, and never after erasure. A
follow-up's timer is a row (follow_ups.next_at); firing it and writing its event to the outbox
commit together, so each email is asked for exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import asyncpg
from asyncpg import Record
from shared.auth import Caller
from shared.errors import Conflict, NotFound, ServiceError
from shared.logging import get_logger
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from applicant import outcome_repository as repo
from applicant import repository as applicants_repo
from applicant.domain import Status, is_live
from applicant.outcome_rules import (
    Leaving,
    back_in_process,
    leaving,
    max_attempts,
    next_moment,
    schedules,
    withdrawal,
)
from applicant.outcome_schemas import FollowUpOut, follow_up_out
from contracts import (
    Event,
    FollowUpAnswers,
    FollowUpDue,
    FollowUpLapsed,
    HomeRegion,
    OutcomeRecorded,
)

log = get_logger(__name__)
PRODUCER = "applicant"


class Gone(ServiceError):
    status_code = 410


class Outcomes:
    def __init__(self, units: UnitsOfWork, clock: Callable[[], datetime]) -> None:
        self.units = units
        self.clock = clock

    # --- entering a cohort (called inside the caller's transaction) -------------------------

    async def on_event(self, conn: asyncpg.Connection, app: Record, event: Event) -> None:
        # A proposal crossing a withdrawal does not bring a withdrawn applicant back.
        if back_in_process(event) and is_live(Status(app["status"])):
            await repo.cancel_comparison(conn, app["id"])
        left = leaving(event)
        if left is not None:
            await self.left(conn, app, left)

    async def left(self, conn: asyncpg.Connection, app: Record, left: Leaving) -> None:
        if not app["follow_up_consent"]:
            return  # no consent (or not asked): never followed up
        if await applicants_repo.get_applicant(conn, app["applicant_id"]) is None:
            return  # erased: nothing is recreated
        if str(left.cohort) == "placed":
            await repo.cancel_comparison(conn, app["id"])
        for plan in schedules(left.on):
            await repo.schedule(conn, app, left, plan)

    async def withdrawn(self, conn: asyncpg.Connection, app: Record, at: datetime) -> None:
        await self.left(conn, app, withdrawal(at.date()))

    async def erase(self, conn: asyncpg.Connection, applicant_id: str) -> None:
        await repo.erase(conn, applicant_id)

    # --- timers ----------------------------------------------------------------------------

    async def fire_next(self, now: datetime) -> bool:
        """Fire one due follow-up timer; False when none is due at `now`."""
        async with self.units() as uow:
            row = await repo.claim_due(uow.conn, now)
            if row is None:
                return False
            await self._fire(uow, row, now)
        return True

    async def _fire(self, uow: UnitOfWork, row: Record, now: datetime) -> None:
        app = await applicants_repo.get_application(uow.conn, row["application_id"])
        ref = _ref(row)
        if row["attempts"] >= max_attempts():
            await repo.lapsed(uow.conn, row["id"])
            await uow.publish(FollowUpLapsed(**_envelope(app, now), **ref,
                                             attempts=row["attempts"]))
            return
        attempt = row["attempts"] + 1
        await repo.sent(uow.conn, row["id"], attempt, next_moment(row["due_on"], attempt))
        await uow.publish(FollowUpDue(**_envelope(app, now), **ref, attempt=attempt,
                                      answer_by=row["answer_by"]))

    # --- answering -------------------------------------------------------------------------

    async def mine(self, caller: Caller) -> list[FollowUpOut]:
        async with self.units.read() as conn:
            rows = await repo.of_applicant(conn, caller.id)
        return [follow_up_out(r) for r in rows]

    async def one(self, caller: Caller, follow_up_id: uuid.UUID) -> FollowUpOut:
        async with self.units.read() as conn:
            return follow_up_out(await self._yours(conn, caller, follow_up_id))

    async def answer(self, caller: Caller, follow_up_id: uuid.UUID,
                     answers: FollowUpAnswers) -> FollowUpOut:
        now = self.clock()
        async with self.units() as uow:
            row = await self._yours(uow.conn, caller, follow_up_id, lock=True)
            _check_answerable(row)
            row = await repo.answered(uow.conn, row["id"], now,
                                      answers.model_dump(mode="json"))
            app = await applicants_repo.get_application(uow.conn, row["application_id"])
            region = HomeRegion(**app["home_region"]) if app["home_region"] else None
            await uow.publish(OutcomeRecorded(
                **_envelope(app, now), **_ref(row), answered_on=now.date(),
                answers=answers, home_region=region))
        return follow_up_out(row)

    async def _yours(self, conn: asyncpg.Connection, caller: Caller,
                     follow_up_id: uuid.UUID, lock: bool = False) -> Record:
        row = await repo.get(conn, follow_up_id, lock=lock)
        if row is None or row["applicant_id"] != caller.id or row["state"] == "cancelled":
            raise NotFound(f"no follow-up {follow_up_id} of yours", "follow_up_id")
        if row["state"] == "erased" or await applicants_repo.get_applicant(
                conn, caller.id) is None:
            raise Gone("your data was erased at your request, so this follow-up is closed "
                       "and nothing more can be recorded", "follow_up_id")
        return row


def _check_answerable(row: Record) -> None:
    if row["state"] == "answered":
        raise Conflict(f"you already answered this follow-up on "
                       f"{row['answered_at'].date().isoformat()}; the first answer counts",
                       "follow_up_id")
    if row["state"] == "lapsed":
        raise Conflict(f"this follow-up closed unanswered on {row['answer_by'].isoformat()}",
                       "follow_up_id")
    if row["attempts"] == 0:
        raise Conflict(f"this follow-up opens on {row['due_on'].isoformat()}", "follow_up_id")


def _ref(row: Record) -> dict:
    return {k: row[k] for k in ("application_id", "applicant_id", "scheme", "cohort",
                                "left_because", "kind", "left_on", "due_on")} | {
        "follow_up_id": row["id"]}


def _envelope(app: Record, at: datetime) -> dict:
    return {"producer": PRODUCER, "correlation_id": app["id"], "occurred_at": at}
