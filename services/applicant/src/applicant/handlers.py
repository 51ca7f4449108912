"""Use cases: save a profile, submit (idempotently), withdraw, and follow downstream events.

Every state change and the events it causes commit in one transaction (outbox). The database
holds the one-live-application rule itself, so concurrent submissions cannot both win.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import asyncpg
from shared.auth import Caller
from shared.crypto import new_data_key
from shared.errors import Conflict, Invalid, NotFound
from shared.logging import get_logger
from shared.outbox import Outbox
from shared.unit_of_work import UnitOfWork, UnitsOfWork

from applicant import case_repository as cases_repo
from applicant import events
from applicant import repository as repo
from applicant.cases import Cases
from applicant.cases import record as record_access
from applicant.config import ApplicantSettings
from applicant.domain import (
    ApplicationTerms,
    RuleError,
    Status,
    Step,
    check_application,
    check_profile,
    check_withdrawable,
    one_live_per_scheme_message,
    should_move,
)
from applicant.outcomes import Outcomes
from applicant.progress import step_for, submitted_step, withdrawn_step
from applicant.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    ProfileIn,
    ProfileOut,
    ProfileSaved,
    Submitted,
    TimelineEntry,
    application_out,
    profile_out,
    timeline_out,
)
from contracts import ApplicantKind, Event

log = get_logger(__name__)
ONE_LIVE_INDEX = "applications_one_live_per_scheme"


def utc_now() -> datetime:
    return datetime.now(UTC)


def invalid(error: RuleError) -> Invalid:
    return Invalid(error.message, error.field)


class Applicants:
    """The applicant service's use cases (its container): each command opens one unit of work."""

    def __init__(self, settings: ApplicantSettings, pool: asyncpg.Pool, outbox: Outbox,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.units = UnitsOfWork(pool, outbox)
        self.clock = clock
        self.cases = Cases(self.units)
        self.outcomes = Outcomes(self.units, clock)

    # --- profile ---------------------------------------------------------------------------

    async def save_profile(self, caller: Caller, body: ProfileIn) -> ProfileSaved:
        fields = body.model_dump(mode="json")
        fields.update(available_from=body.available_from, available_until=body.available_until)
        try:
            check_profile(body.kind, fields)
        except RuleError as e:
            raise invalid(e) from None
        async with self.units() as uow:
            current = await repo.get_applicant(uow.conn, caller.id, lock=True)
            if current is not None and current["kind"] != body.kind:
                live = await repo.live_applications(uow.conn, caller.id)
                if live:
                    raise Invalid(f"kind cannot change while you have a live application "
                                  f"({live[0]['id']}); withdraw it first", "kind")
            row, created = await repo.upsert_applicant(uow.conn, caller.id, fields)
        return ProfileSaved(profile_out(row), created)

    # --- submit ----------------------------------------------------------------------------

    async def submit(self, caller: Caller, body: ApplicationIn, key: str | None) -> Submitted:
        try:
            async with self.units() as uow:
                if key is not None:
                    earlier = await self._earlier(uow.conn, caller.id, key, _request_hash(body))
                    if earlier is not None:
                        return earlier
                row = await self._submit(uow, caller, body)
                if key is not None:
                    await repo.save_key_result(uow.conn, caller.id, key, row["id"])
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name != ONE_LIVE_INDEX:
                raise
            raise await self._one_live(caller.id, body.scheme) from None
        return Submitted(application_out(row))

    async def _one_live(self, applicant_id: str, scheme: str) -> Invalid:
        """The database holds the one-live rule (also against a concurrent submission); the
        refusal names the live application when it is there to read."""
        async with self.units.read() as conn:
            live = await repo.live_applications(conn, applicant_id, scheme)
        return Invalid(one_live_per_scheme_message(scheme, live[0]["id"] if live else None),
                       "scheme")

    async def _earlier(self, conn: asyncpg.Connection, caller_id: str, key: str,
                       request_hash: str) -> Submitted | None:
        """What this key already made; None when this request owns the key."""
        if await repo.claim_key(conn, caller_id, key, request_hash,
                                self.settings.idempotency_retention_hours):
            return None
        stored = await repo.key_result(conn, caller_id, key)
        if stored["request_hash"] != request_hash:
            raise Invalid("this Idempotency-Key was already used for a different request; "
                          "use a new key for a new application", "Idempotency-Key")
        row = await repo.get_application(conn, stored["application_id"])
        return Submitted(application_out(row), replayed=True)

    async def _submit(self, uow: UnitOfWork, caller: Caller,
                      body: ApplicationIn) -> asyncpg.Record:
        profile = await repo.applicant_with_key(uow.conn, caller.id, new_data_key())
        if profile is None:
            raise Invalid("create your applicant profile first (PUT /applicants/me)",
                          "applicant")
        terms = ApplicationTerms(body.scheme, body.earliest_start, body.desired_length_months)
        try:
            check_application(ApplicantKind(profile["kind"]), terms, self.today(),
                              profile["available_from"], profile["available_until"])
        except RuleError as e:
            raise invalid(e) from None
        return await self._insert(uow, caller.id, profile, body)

    async def _insert(self, uow: UnitOfWork, applicant_id: str,
                      profile: asyncpg.Record, body: ApplicationIn) -> asyncpg.Record:
        """The application, its timeline line and ApplicationSubmitted: the event is built
        from the row before it is written, so row and line go in one statement. A live
        application for the scheme fails it on the database's unique index."""
        now = self.clock()
        step = submitted_step()
        app = {
            "id": uuid.uuid4(), "applicant_id": applicant_id, "scheme": body.scheme,
            "sectors": _or(body.sectors, profile["sectors"]),
            "preferred_regions": _or(body.preferred_regions, profile["preferred_regions"]),
            "preferred_countries": _or(body.preferred_countries, profile["preferred_countries"]),
            "earliest_start": body.earliest_start,
            "desired_length_months": body.desired_length_months,
            "opportunity_id": body.opportunity_id, "status": Status.SUBMITTED, "status_at": now,
            "awaiting_what": step.awaiting_what, "awaiting_from": step.awaiting_from,
            **_outcome_fields(body)}
        key = profile["data_key"] or await repo.data_key(uow.conn, applicant_id)
        event = events.submitted(app, profile, now, key)
        row = await repo.insert_application_with_line(uow.conn, app, _line(event, step))
        await uow.publish(event)
        return row

    def today(self) -> date:
        return self.clock().date()

    # --- withdraw --------------------------------------------------------------------------

    async def withdraw(self, caller: Caller, application_id: uuid.UUID,
                       reason: str | None) -> ApplicationOut:
        async with self.units() as uow:
            # The lock orders this against a PlacementStarted being applied at the same time.
            row = await repo.get_application(uow.conn, application_id, lock=True)
            if row is None or row["applicant_id"] != caller.id:
                raise NotFound(f"no application {application_id} of yours", "application_id")
            try:
                check_withdrawable(Status(row["status"]))
            except RuleError as e:
                raise Conflict(e.message, e.field) from None
            row = await self._withdrawn(uow, row, reason, self.clock())
        return application_out(row)

    async def _withdrawn(self, uow: UnitOfWork, row: asyncpg.Record, reason: str | None,
                         now: datetime) -> asyncpg.Record:
        step = withdrawn_step(reason)
        row = await repo.set_status(uow.conn, row["id"], Status.WITHDRAWN, now, None, None)
        event = events.withdrawn(row, reason, now)
        await self.outcomes.withdrawn(uow.conn, row, now)
        await self._timeline(uow.conn, row["id"], event, step, moved=True)
        await uow.publish(event)
        return row

    # --- erasure ---------------------------------------------------------------------------

    async def erase(self, applicant_id: str) -> list[uuid.UUID]:
        """Right to erasure: withdraw what can still be withdrawn, shred the data key, blank
        the profile, and tell every service (ApplicantErased) in the same transaction."""
        async with self.units() as uow:
            if await repo.get_applicant(uow.conn, applicant_id, lock=True) is None:
                raise NotFound(f"no applicant {applicant_id} to erase (never created, or "
                               "already erased)", "applicant_id")
            now = self.clock()
            for live in await repo.live_applications(uow.conn, applicant_id):
                row = await repo.get_application(uow.conn, live["id"], lock=True)
                with contextlib.suppress(RuleError):  # a started placement runs on
                    check_withdrawable(Status(row["status"]))
                    await self._withdrawn(uow, row, None, now)
            ids = await repo.erase_applicant(uow.conn, applicant_id)
            await cases_repo.erase(uow.conn, ids)
            await self.outcomes.erase(uow.conn, applicant_id)
            await uow.publish(events.erased(applicant_id, ids, now))
        log.info("applicant erased", applicant_id=applicant_id, applications=len(ids))
        return ids

    async def erase_on_request(self, caller: Caller, applicant_id: str) -> list[uuid.UUID]:
        """Central HR erases on an applicant's request; to other HR no applicant exists."""
        if not caller.is_central_hr:
            raise NotFound(f"no applicant {applicant_id}", "applicant_id")
        return await self.erase(applicant_id)

    async def data_key(self, applicant_id: str) -> bytes | None:
        async with self.units.read() as conn:
            return await repo.data_key(conn, applicant_id)

    # --- queries (ownership: someone else's reads as missing, so nothing is disclosed) -----

    async def profile(self, caller: Caller, applicant_id: str) -> ProfileOut:
        if applicant_id != caller.id and not caller.is_central_hr:
            raise NotFound(f"no applicant {applicant_id}", "applicant_id")
        async with self.units.read() as conn:
            row = await repo.get_applicant(conn, applicant_id)
        if row is None:
            raise NotFound(f"no applicant profile for {applicant_id}; create it with "
                           "PUT /applicants/me", "applicant_id")
        return profile_out(row)

    async def applications(self, caller: Caller, query: ApplicationQuery) -> ApplicationPage:
        applicant_id = query.applicant_id if caller.is_central_hr else caller.id
        async with self.units.read() as conn:
            rows, total = await repo.list_applications(
                conn, applicant_id=applicant_id, status=query.status, scheme=query.scheme,
                limit=query.limit, offset=query.offset)
        return ApplicationPage(items=[application_out(r) for r in rows], total=total,
                               limit=query.limit, offset=query.offset)

    async def application(self, caller: Caller, application_id: uuid.UUID) -> ApplicationOut:
        async with self.units.read() as conn:
            return application_out(await _visible(conn, caller, application_id))

    async def timeline(self, caller: Caller, application_id: uuid.UUID) -> list[TimelineEntry]:
        async with self.units.read() as conn:
            await _visible(conn, caller, application_id)
            return [timeline_out(r) for r in await repo.timeline(conn, application_id)]

    # --- status read model -----------------------------------------------------------------

    async def on_event(self, conn: asyncpg.Connection, event: Event) -> None:
        await record_access(event, conn)  # who may read the case (applicant.cases)
        step = step_for(event)
        application_id = getattr(event, "application_id", None)
        if step is None or application_id is None:
            return
        row = await repo.get_application(conn, application_id, lock=True)
        if row is None:
            log.info("event for an application this service does not hold; ignored",
                     application_id=str(application_id))
            return
        await self.outcomes.on_event(conn, row, event)
        moved = should_move(Status(row["status"]), row["status_at"], step, event.occurred_at)
        if moved:
            await repo.set_status(conn, application_id, step.status, event.occurred_at,
                                  step.awaiting_what, step.awaiting_from)
        await self._timeline(conn, application_id, event, step, moved)

    async def _timeline(self, conn: asyncpg.Connection, application_id: uuid.UUID,
                        event: Event, step: Step, moved: bool) -> None:
        await repo.add_timeline(conn, application_id, **_line(event, step, moved))


async def _visible(conn: asyncpg.Connection, caller: Caller,
                   application_id: uuid.UUID) -> asyncpg.Record:
    row = await repo.get_application(conn, application_id)
    if row is None or (row["applicant_id"] != caller.id and not caller.is_central_hr):
        raise NotFound(f"no application {application_id}", "application_id")
    return row


def _request_hash(body: ApplicationIn) -> str:
    """What an Idempotency-Key is bound to: the same key with another body is refused."""
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"),
                                     sort_keys=True).encode()).hexdigest()


def _line(event: Event, step: Step, moved: bool = True) -> dict:
    """An event's timeline line; the status and what is awaited only if it moved them."""
    return {"event_id": event.event_id, "event_type": event.event_type,
            "occurred_at": event.occurred_at, "summary": step.summary,
            "status": step.status if moved else None,
            "awaiting_what": step.awaiting_what if moved else None,
            "awaiting_from": step.awaiting_from if moved else None}


def _outcome_fields(body: ApplicationIn) -> dict:
    dumped = body.model_dump(mode="json", include={"home_region", "baseline"})
    return {**dumped, "follow_up_consent": body.follow_up_consent}


def _or(given: list | None, default: list) -> list:
    return [str(v) for v in given] if given is not None else list(default)
