"""Approval rules: each scheme's chain, who decides a stage, SLA times, the 12-month cap.

Pure functions over plain values; no I/O.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from shared.auth import Caller

from approval.working_days import after_working_time
from contracts import ApprovalStage, Clearance, RejectionReason, Scheme

MIN_MONTHS = 1
MAX_MONTHS = 12

S = ApprovalStage
CHAINS: dict[Scheme, tuple[ApprovalStage, ...]] = {
    Scheme.INDUSTRY: (S.LINE_MANAGER, S.DEPARTMENTAL_HR, S.CONFLICT_OF_INTEREST,
                      S.HOST_ACCEPTANCE),
    Scheme.GOVERNMENT: (S.RELEASING_EMPLOYER, S.HOST_DEPARTMENT, S.SECURITY_VETTING,
                        S.CONFLICT_OF_INTEREST),
    Scheme.DIPLOMATIC: (S.FCDO_POST, S.BCC_ENDORSEMENT, S.CONFLICT_OF_INTEREST,
                        S.SME_ACCEPTANCE),
}
# The host's own yes/no: a "no" here is a decline, not a refusal.
HOST_STAGES = frozenset({S.HOST_ACCEPTANCE, S.HOST_DEPARTMENT, S.SME_ACCEPTANCE})


def chain_for(scheme: Scheme, clearance_needed: Clearance,
              clearance_held: Clearance) -> tuple[ApprovalStage, ...]:
    """The scheme's stages in order; vetting only when the post needs more than is held."""
    needs_vetting = not Clearance(clearance_held).covers(Clearance(clearance_needed))
    return tuple(s for s in CHAINS[Scheme(scheme)]
                 if s is not S.SECURITY_VETTING or needs_vetting)


class CaseStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"


class StageStatus(StrEnum):
    OPEN = "open"
    GRANTED = "granted"
    REFUSED = "refused"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Parties:
    """The ids on a case that name its approvers (from MatchProposed)."""

    organisation_id: str
    host_org_id: str
    line_manager_id: str | None = None
    bcc_chamber_id: str | None = None


@dataclass(frozen=True)
class Approver:
    role: str
    org_id: str | None = None
    user_id: str | None = None


def approver_for(stage: ApprovalStage, parties: Parties) -> Approver:
    """Who decides a stage (the cross-service agreement on roles and claims)."""
    match ApprovalStage(stage):
        case S.LINE_MANAGER:
            return Approver("line_manager", user_id=parties.line_manager_id)
        case S.DEPARTMENTAL_HR:
            return Approver("hr", org_id=parties.organisation_id)
        case S.CONFLICT_OF_INTEREST:
            return Approver("ethics")
        case S.SECURITY_VETTING:
            return Approver("vetting")
        case S.HOST_ACCEPTANCE | S.HOST_DEPARTMENT | S.SME_ACCEPTANCE:
            return Approver("host", org_id=parties.host_org_id)
        case S.RELEASING_EMPLOYER:
            return Approver("employer", org_id=parties.organisation_id)
        case S.FCDO_POST:
            return Approver("fcdo_post", org_id=parties.organisation_id)
        case S.BCC_ENDORSEMENT:
            return Approver("bcc", org_id=parties.bcc_chamber_id)
    raise ValueError(f"unknown stage {stage}")


# The caller as the rules see it: the verified token's subject, roles and org.
Who = Caller


def is_assigned(approver: Approver, who: Who) -> bool:
    """The caller is the stage's own approver (role, and the org/person it names)."""
    return (approver.role in who.roles
            and (approver.user_id is None or approver.user_id == who.id)
            and (approver.org_id is None or approver.org_id == who.org))


def may_see(approver: Approver, who: Who) -> bool:
    return who.is_central_hr or is_assigned(approver, who)


def may_decide(approver: Approver, escalated: bool, who: Who) -> bool:
    """The approver decides; once escalated, central HR may decide in their place."""
    return is_assigned(approver, who) or (escalated and who.is_central_hr)


class Decision(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"


# Hosts say accept/decline; both are the same two outcomes.
DECISION_WORDS = {"grant": Decision.GRANT, "accept": Decision.GRANT,
                  "refuse": Decision.REFUSE, "decline": Decision.REFUSE}


class RuleError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_decision(stage: ApprovalStage, decision: Decision, reason: str | None,
                   mitigation: str | None) -> None:
    if decision is Decision.REFUSE and not (reason and reason.strip()):
        raise RuleError("reason is required when refusing or declining", "reason")
    if mitigation is not None and ApprovalStage(stage) is not S.CONFLICT_OF_INTEREST:
        raise RuleError("mitigation is recorded only at the conflict_of_interest stage",
                        "mitigation")
    if mitigation is not None and decision is Decision.REFUSE:
        raise RuleError("mitigation only applies when granting", "mitigation")


def rejection_reason(stage: ApprovalStage) -> RejectionReason:
    return RejectionReason.DECLINED if stage in HOST_STAGES else RejectionReason.REFUSED


@dataclass(frozen=True)
class Sla:
    due_seconds: float
    reminder_fraction: float
    expiry_factor: float
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class StageTimes:
    reminder_at: datetime
    due_at: datetime
    expires_at: datetime


def stage_times(opened_at: datetime, sla: Sla) -> StageTimes:
    """Reminder before due, escalation at due, expiry after the longer limit, all counted in
    working days (see working_days)."""
    due = timedelta(seconds=sla.due_seconds)

    def after(span: timedelta) -> datetime:
        return after_working_time(opened_at, span, sla.holidays)

    return StageTimes(reminder_at=after(due * sla.reminder_fraction), due_at=after(due),
                      expires_at=after(due * sla.expiry_factor))


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_end(start: date) -> date:
    return add_months(start, MAX_MONTHS)


def placement_end(start: date, length_months: int) -> date:
    if not MIN_MONTHS <= length_months <= MAX_MONTHS:
        raise RuleError(f"a placement lasts {MIN_MONTHS} to {MAX_MONTHS} months, "
                        f"not {length_months}", "length_months")
    return add_months(start, length_months)


def check_extension(start: date, current_end: date, new_end: date) -> None:
    if new_end <= current_end:
        raise RuleError(f"new_end_date must be after the current end date {current_end}",
                        "new_end_date")
    if new_end > latest_end(start):
        raise RuleError(f"new_end_date would take the placement past 12 months: it started "
                        f"{start}, so it must end on or before {latest_end(start)}",
                        "new_end_date")


class Party(StrEnum):
    PLACEE = "placee"
    HOST = "host"
    HR = "hr"
    # The applicant's employer or department named on the application (role `employer` of
    # that organisation): sees the placement and gives its own feedback, nothing more.
    EMPLOYER = "employer"


def party_of(who: Who, applicant_id: str, host_org_id: str, organisation_id: str) -> Party | None:
    """Which side of a placement the caller speaks for; None for an outsider."""
    if who.is_central_hr or ("hr" in who.roles and who.org == organisation_id):
        return Party.HR
    if "host" in who.roles and who.org == host_org_id:
        return Party.HOST
    if "employer" in who.roles and who.org == organisation_id:
        return Party.EMPLOYER
    if who.id == applicant_id:
        return Party.PLACEE
    return None


@dataclass(frozen=True)
class Span:
    """What bounds the day a placement ends: its actual start, its planned (possibly
    extended) end, and today."""

    started: date
    planned_end: date
    today: date


def check_ending(span: Span, ended_on: date, outcome: str, reason: str | None) -> None:
    if ended_on < span.started:
        raise RuleError(f"ended_on must not be before the day it started, {span.started}",
                        "ended_on")
    if ended_on > span.planned_end:
        raise RuleError(f"ended_on must not be after the planned end date {span.planned_end}; "
                        "extend the placement to end it later", "ended_on")
    if ended_on > span.today:
        raise RuleError(f"ended_on must not be in the future: it can be today ({span.today}) "
                        "at the latest", "ended_on")
    if outcome == "ended_early" and not (reason and reason.strip()):
        raise RuleError("reason is required when a placement ends early", "reason")


def check_start(started_on: date, end_date: date) -> None:
    # A start after the end could never end (nor end by itself): ended_on may not precede it.
    if started_on > end_date:
        raise RuleError(f"started_on must not be after the end date {end_date}", "started_on")


# The one rating each party may give in the end call: its own (HR gives none).
OWN_RATING = {Party.HOST: "host_rating", Party.PLACEE: "placee_rating"}


# --- task lists and reassignment -------------------------------------------------------------

# Each stage in plain words, as a task list or a message names it.
STAGE_TITLES: dict[ApprovalStage, str] = {
    S.LINE_MANAGER: "Line manager approval",
    S.DEPARTMENTAL_HR: "Departmental HR approval",
    S.CONFLICT_OF_INTEREST: "Conflict of interest check",
    S.HOST_ACCEPTANCE: "Host acceptance",
    S.RELEASING_EMPLOYER: "Releasing employer approval",
    S.HOST_DEPARTMENT: "Host department acceptance",
    S.SECURITY_VETTING: "Security vetting",
    S.FCDO_POST: "FCDO post approval",
    S.BCC_ENDORSEMENT: "British Chambers of Commerce endorsement",
    S.SME_ACCEPTANCE: "SME host acceptance",
}


class DueState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def due_state(due_at: datetime, now: datetime, due_soon: timedelta) -> DueState:
    """Overdue once the deadline has passed; due soon within `due_soon` of it."""
    if now >= due_at:
        return DueState.OVERDUE
    return DueState.DUE_SOON if due_at - now <= due_soon else DueState.ON_TIME


def may_reassign(who: Who, organisation_id: str, approver_org_id: str | None) -> bool:
    """Central HR, or HR of the applicant's organisation or of the stage's own organisation."""
    return who.is_central_hr or (who.is_hr and who.org is not None
                                 and who.org in (organisation_id, approver_org_id))
