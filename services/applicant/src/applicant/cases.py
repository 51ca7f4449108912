"""The case view: an application's applicant details for exactly the people deciding it.

Access follows the approval flow's own events (ApprovalStageOpened, ...Reassigned, Granted,
Refused) and matching's proposals, recorded here in the same transaction as the status read
model: a caller sees the case while they hold or held one of its stages (a reassignment takes
it away from the previous holder), as the host it was proposed to, or as central HR. Anyone
else hears 404, exactly as if there were no such application.
"""

from __future__ import annotations

import uuid
from functools import singledispatch

import asyncpg
from shared.auth import Caller, Role
from shared.errors import NotFound
from shared.unit_of_work import UnitsOfWork

from applicant import case_repository as cases_repo
from applicant import repository as repo
from applicant.case_schemas import CaseApplicant, CaseOut, CaseProposal, CaseStage, ClearanceCheck
from applicant.domain import REQUIRED_BY_KIND
from contracts import (
    ApplicantKind,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalStage,
    ApprovalStageOpened,
    ApprovalStageReassigned,
    Clearance,
    Event,
    MatchProposed,
)

ETHICS = ApprovalStage.CONFLICT_OF_INTEREST


# --- who may see (pure) --------------------------------------------------------------------

def holds(holding: asyncpg.Record, who: Caller) -> bool:
    """The caller is (or was, until decided) this stage's approver; a reassigned-away holding
    gives nothing."""
    if holding["status"] == "reassigned":
        return False
    if holding["decided_by"] == who.id:
        return True
    return (holding["approver_role"] in who.roles
            and holding["approver_id"] in (None, who.id)
            and holding["approver_org_id"] in (None, who.org))


def seen_as(who: Caller, applicant_id: str, holdings: list, proposals: list) -> str | None:
    if who.is_central_hr:
        return "hr"
    if who.id == applicant_id and Role.APPLICANT in who.roles:
        return "applicant"  # their own details, as the deciders see them
    if any(holds(h, who) for h in holdings):
        return "approver"
    if Role.HOST in who.roles and who.org in {p["host_org_id"] for p in proposals}:
        return "host"
    return None


def sees_interests(why: str, who: Caller, holdings: list) -> bool:
    return why in ("hr", "applicant") or any(h["stage"] == ETHICS and holds(h, who)
                                             for h in holdings)


# --- following the flow --------------------------------------------------------------------

@singledispatch
async def record(event: Event, conn: asyncpg.Connection) -> None:
    return None  # changes nobody's access


@record.register
async def _(e: MatchProposed, conn: asyncpg.Connection) -> None:
    await cases_repo.add_proposal(conn, e)


async def _open_holding(e: ApprovalStageOpened | ApprovalStageReassigned,
                        conn: asyncpg.Connection) -> None:
    """The stage is now with the approver the event names (first opened, or handed on)."""
    await cases_repo.open_holding(conn, application_id=e.application_id, case_id=e.case_id,
                                  stage=e.stage, role=e.approver_role,
                                  org_id=e.approver_org_id, approver_id=e.approver_id,
                                  at=e.occurred_at, due_at=e.due_at)


@record.register
async def _(e: ApprovalStageOpened, conn: asyncpg.Connection) -> None:
    await _open_holding(e, conn)


@record.register
async def _(e: ApprovalStageReassigned, conn: asyncpg.Connection) -> None:
    await cases_repo.close_holding(conn, e.case_id, e.stage, "reassigned",
                                   decided_at=e.occurred_at, reason=e.reason)
    await _open_holding(e, conn)


@record.register
async def _(e: ApprovalGranted, conn: asyncpg.Connection) -> None:
    await cases_repo.close_holding(conn, e.case_id, e.stage, "granted", decided_by=e.decided_by,
                                   decided_at=e.occurred_at, note=e.note,
                                   mitigation=e.mitigation)


@record.register
async def _(e: ApprovalRefused, conn: asyncpg.Connection) -> None:
    await cases_repo.close_holding(conn, e.case_id, e.stage, "refused", decided_by=e.decided_by,
                                   decided_at=e.occurred_at, reason=e.reason)


# --- reading ---------------------------------------------------------------------------------

class Cases:
    def __init__(self, units: UnitsOfWork) -> None:
        self.units = units

    async def view(self, who: Caller, application_id: uuid.UUID) -> CaseOut:
        missing = NotFound(f"no application {application_id} among your cases",
                           "application_id")
        async with self.units.read() as conn:
            app = await repo.get_application(conn, application_id)
            holdings = await cases_repo.holdings(conn, application_id)
            proposals = await cases_repo.proposals(conn, application_id)
            why = app and seen_as(who, app["applicant_id"], holdings, proposals)
            profile = why and await repo.get_applicant(conn, app["applicant_id"])
        if not why or profile is None:  # an erased applicant has no case to show
            raise missing
        if why == "host":  # a host sees the terms proposed to it, not another host's
            proposals = [p for p in proposals if p["host_org_id"] == who.org]
        return _case(app, profile, why, holdings, proposals[0] if proposals else None,
                     sees_interests(why, who, holdings))


def _case(app, profile, why: str, holdings, proposal, interests: bool) -> CaseOut:
    kind = ApplicantKind(profile["kind"])
    held = Clearance(profile["clearance_held"])
    return CaseOut(
        application_id=app["id"], scheme=app["scheme"], status=app["status"],
        earliest_start=app["earliest_start"],
        desired_length_months=app["desired_length_months"], submitted_at=app["created_at"],
        seen_as=why,
        applicant=CaseApplicant(
            id=profile["id"], name=profile["name"], kind=kind, grade=profile["grade"],
            profession=profile["profession"], role=profile["role"],
            organisation_id=profile["organisation_id"],
            organisation_kind=REQUIRED_BY_KIND[kind]["organisation_id"],
            clearance_held=held, skills=list(profile["skills"])),
        declared_interests=list(profile["declared_interests"]) if interests else None,
        proposal=CaseProposal(**dict(proposal)) if proposal else None,
        clearance=ClearanceCheck(held=held, needed=proposal["clearance_needed"],
                                 covered=held.covers(Clearance(proposal["clearance_needed"])))
        if proposal else None,
        stages=[CaseStage(**{k: h[k] for k in CaseStage.model_fields}) for h in holdings])
