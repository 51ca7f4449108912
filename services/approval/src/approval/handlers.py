"""Use cases of approval: open a case on a proposal, decide a stage, withdraw, fire SLA timers.

Each runs inside the caller's transaction and writes its events to the outbox there. The case
row is locked (SELECT ... FOR UPDATE) first, so a decision, a withdrawal and a timer on the same
case run one after another and always see each other's effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from shared.errors import Forbidden, Invalid, NotFound
from shared.logging import get_logger
from shared.outbox import Outbox

from approval import conditions, conflicts, events, tasks_sql
from approval import repository as repo
from approval.config import ApprovalSettings
from approval.domain import (
    DECISION_WORDS,
    Approver,
    CaseStatus,
    Decision,
    Parties,
    RuleError,
    StageStatus,
    Who,
    approver_for,
    chain_for,
    check_decision,
    may_decide,
    may_see,
    placement_end,
    rejection_reason,
    stage_times,
)
from contracts import (
    ApplicantErased,
    ApplicationWithdrawn,
    Event,
    MatchDeclined,
    MatchProposed,
    RejectionReason,
)
from shared import erasure

log = get_logger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DecisionCommand:
    decision: str
    reason: str | None = None
    note: str | None = None
    mitigation: str | None = None


class Approvals:
    def __init__(self, settings: ApprovalSettings, outbox: Outbox,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.outbox = outbox
        self.clock = clock

    # --- events in ---------------------------------------------------------------------------

    async def on_match_proposed(self, conn: asyncpg.Connection, event: MatchProposed) -> None:
        # Before any row lock, as the erasure takes its lock before the cases'.
        erased = await erasure.is_erased(conn, event.applicant_id)
        case = case_from(event)
        if not await repo.insert_case(conn, case):
            return  # this match already has its case
        case = await repo.lock_case(conn, case["id"])
        if erased or await repo.is_withdrawn(conn, event.application_id):
            # The withdrawal (or erasure) overtook the proposal: release the place straight away.
            await repo.close_case(conn, case["id"], CaseStatus.REJECTED, RejectionReason.WITHDRAWN)
            await self.outbox.add(conn, events.rejected(
                case, None, RejectionReason.WITHDRAWN, "the application was withdrawn",
                event.event_id))
            return
        await self.outbox.add(conn, await self._open_stage(conn, case, 0, event.event_id))

    async def on_application_withdrawn(self, conn: asyncpg.Connection,
                                       event: ApplicationWithdrawn) -> None:
        await repo.mark_withdrawn(conn, event.application_id)
        for case in await repo.lock_open_cases(conn, event.application_id):
            stage = await repo.open_stage_of(conn, case["id"])
            if stage is not None:
                await repo.close_stage(conn, stage["id"], StageStatus.WITHDRAWN)
            await repo.close_case(conn, case["id"], CaseStatus.REJECTED, RejectionReason.WITHDRAWN)
            await self.outbox.add(conn, events.rejected(
                case, stage["stage"] if stage else None, RejectionReason.WITHDRAWN,
                event.reason or "the applicant withdrew", event.event_id))
        # A confirmed placement that has not started is cancelled: the host can no longer
        # start it and matching gets its place back. A started one is past withdrawal.
        for placement in await repo.lock_unstarted_placements(conn, event.application_id):
            rejected = events.rejected(placement, None, RejectionReason.WITHDRAWN,
                                       "the applicant withdrew before the placement started",
                                       event.event_id)
            await repo.update_placement(conn, placement["id"], status="withdrawn",
                                        last_event_id=rejected.event_id)
            await self.outbox.add(conn, rejected)

    async def on_match_declined(self, conn: asyncpg.Connection, event: MatchDeclined) -> None:
        """The applicant turned this one proposal down: its case closes and its open stage
        leaves the approver's task list. No event: matching has already freed the place and
        applicant and notification read the decline itself."""
        for case in await repo.lock_open_cases(conn, event.application_id):
            if case["match_id"] != event.match_id:
                continue
            stage = await repo.open_stage_of(conn, case["id"])
            if stage is not None:
                await repo.close_stage(conn, stage["id"], StageStatus.WITHDRAWN,
                                       reason="the applicant declined this proposal")
            await repo.close_case(conn, case["id"], CaseStatus.REJECTED, RejectionReason.WITHDRAWN)

    async def on_applicant_erased(self, conn: asyncpg.Connection,
                                  event: ApplicantErased) -> None:
        # Withdrawals came first from the applicant service; this drops what was written, and
        # the tombstone keeps a proposal arriving after it from opening a case.
        await erasure.record(conn, event.applicant_id)
        await repo.erase_applicant(conn, event.applicant_id)

    # --- approver decisions ------------------------------------------------------------------

    async def decide(self, conn: asyncpg.Connection, stage_id: uuid.UUID, who: Who,
                     command: DecisionCommand) -> None:
        found = await repo.stage(conn, stage_id)
        if found is None:
            raise NotFound(f"no stage {stage_id} among the stages you may decide", "stage_id")
        case = await repo.lock_case(conn, found["case_id"])
        stage = await repo.stage(conn, stage_id)  # re-read under the case lock
        approver = Approver(stage["approver_role"], stage["approver_org_id"],
                            stage["approver_id"])
        if not may_see(approver, who):
            taken = await tasks_sql.last_reassignment_from(conn, stage_id, who.id)
            if taken is not None:
                raise conflicts.reassigned_away(stage, taken)
            raise NotFound(f"no stage {stage_id} among the stages you may decide", "stage_id")
        if not may_decide(approver, stage["escalated_at"] is not None, who):
            raise Forbidden(f"stage {stage_id} is for role {approver.role}; HR may decide it "
                            "only after it has been escalated", "stage_id")
        # Integrity after return: someone back from a placement with this host may not decide.
        await conditions.check_decider(conn, who, stage, case["host_org_id"], self.clock().date())
        decision = DECISION_WORDS[command.decision]
        try:
            check_decision(stage["stage"], decision, command.reason, command.mitigation)
        except RuleError as exc:
            raise Invalid(str(exc), exc.field) from None
        if stage["status"] != StageStatus.OPEN:
            return self._repeat_or_conflict(stage, decision, who)
        if decision is Decision.GRANT:
            await self._grant(conn, case, stage, who, command)
        else:
            await self._refuse(conn, case, stage, who, command.reason or "")

    @staticmethod
    def _repeat_or_conflict(stage: asyncpg.Record, decision: Decision, who: Who) -> None:
        """The decider sending the same decision again gets the same answer; anyone else
        (a second approver who raced them, or a changed mind) hears what happened."""
        same = {Decision.GRANT: StageStatus.GRANTED, Decision.REFUSE: StageStatus.REFUSED}
        if stage["status"] == same[decision] and stage["decided_by"] == who.id:
            return
        raise conflicts.closed(stage)

    async def _grant(self, conn: asyncpg.Connection, case: asyncpg.Record,
                     stage: asyncpg.Record, who: Who, command: DecisionCommand) -> None:
        await repo.close_stage(conn, stage["id"], StageStatus.GRANTED, decided_by=who.id,
                               note=command.note, mitigation=command.mitigation)
        grant = events.granted(case, stage, who.id, command.note, command.mitigation)
        if stage["position"] + 1 < len(case["chain"]):
            after = await self._open_stage(conn, case, stage["position"] + 1, grant.event_id)
            await self.outbox.add(conn, grant, after)
            return
        await self.outbox.add(conn, grant, *await self._approve(conn, case, grant.event_id))

    async def _refuse(self, conn: asyncpg.Connection, case: asyncpg.Record,
                      stage: asyncpg.Record, who: Who, reason: str) -> None:
        await repo.close_stage(conn, stage["id"], StageStatus.REFUSED, decided_by=who.id,
                               reason=reason)
        outcome = rejection_reason(stage["stage"])
        await repo.close_case(conn, case["id"], CaseStatus.REJECTED, outcome)
        refusal = events.refused(case, stage, who.id, reason)
        await self.outbox.add(conn, refusal, events.rejected(case, stage["stage"], outcome,
                                                             reason, refusal.event_id))

    async def _open_stage(self, conn: asyncpg.Connection, case: asyncpg.Record, position: int,
                          causation_id: uuid.UUID) -> Event:
        name = case["chain"][position]
        approver = approver_for(name, parties_of(case))
        opened_at = self.clock()
        times = stage_times(opened_at, self.settings.sla(name))
        stage_id = uuid.uuid4()  # named in the event, so messages can link to its task page
        opened = events.stage_opened(case, name, approver, times.due_at, causation_id, stage_id)
        await repo.insert_stage(conn, stage_id=stage_id, case_id=case["id"],
                                position=position, stage=name, role=approver.role,
                                org_id=approver.org_id, user_id=approver.user_id,
                                opened_at=opened_at, times=times,
                                opened_event_id=opened.event_id)
        return opened

    async def _approve(self, conn: asyncpg.Connection, case: asyncpg.Record,
                       causation_id: uuid.UUID) -> tuple[Event, Event]:
        start = case["start_date"]
        end = placement_end(start, case["length_months"])
        placement_id = uuid.uuid4()
        approved, confirmed = events.approved_and_confirmed(case, placement_id, start, end,
                                                            causation_id)
        await repo.close_case(conn, case["id"], CaseStatus.APPROVED)
        await repo.insert_placement(conn, placement_id, case["id"], start, end,
                                    confirmed.event_id)
        return approved, confirmed

    # --- SLA timers --------------------------------------------------------------------------

    async def fire_timer(self, conn: asyncpg.Connection, timer: asyncpg.Record) -> str:
        """Apply one claimed timer; it is marked fired in this same transaction."""
        found = await repo.stage(conn, timer["stage_id"])
        case = await repo.lock_case(conn, found["case_id"])
        stage = await repo.stage(conn, timer["stage_id"])
        outcome = "skipped"  # the stage was decided or closed before its deadline
        if stage["status"] == StageStatus.OPEN:
            outcome = "fired"
            await self.outbox.add(conn, *await self._timer_effect(conn, timer["kind"], case,
                                                                  stage))
        await repo.mark_fired(conn, timer["id"], outcome)
        log.info("timer", kind=timer["kind"], stage=stage["stage"], outcome=outcome)
        return outcome

    async def _timer_effect(self, conn: asyncpg.Connection, kind: str, case: asyncpg.Record,
                            stage: asyncpg.Record) -> list[Event]:
        if kind == "reminder":
            return [events.reminder(case, stage)]
        if kind == "escalation":
            await repo.mark_escalated(conn, stage["id"])
            return [events.escalated(case, stage)]
        await repo.close_stage(conn, stage["id"], StageStatus.EXPIRED)
        await repo.close_case(conn, case["id"], CaseStatus.REJECTED, RejectionReason.EXPIRED)
        return [events.rejected(case, stage["stage"], RejectionReason.EXPIRED,
                                f"no decision at stage {stage['stage']} before the deadline",
                                stage["opened_event_id"])]


def case_from(event: MatchProposed) -> dict:
    chain = chain_for(event.scheme, event.clearance_needed, event.clearance_held)
    return {"id": uuid.uuid4(), "match_id": event.match_id,
            "application_id": event.application_id, "opportunity_id": event.opportunity_id,
            "applicant_id": event.applicant_id, "host_org_id": event.host_org_id,
            "organisation_id": event.organisation_id, "line_manager_id": event.line_manager_id,
            "bcc_chamber_id": event.bcc_chamber_id, "scheme": event.scheme.value,
            "sector": event.sector.value, "country": event.country.value,
            "region": event.region.value if event.region else None,
            "start_date": event.start_date, "length_months": event.length_months,
            "chain": [s.value for s in chain], "correlation_id": event.correlation_id}


def parties_of(case: asyncpg.Record) -> Parties:
    return Parties(organisation_id=case["organisation_id"], host_org_id=case["host_org_id"],
                   line_manager_id=case["line_manager_id"],
                   bcc_chamber_id=case["bcc_chamber_id"])
