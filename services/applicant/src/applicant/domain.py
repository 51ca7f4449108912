"""Applicant rules: who may apply to which scheme, what an application must hold, and how the
status read model moves. Pure: no I/O, no clock (today is passed in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from contracts import ApplicantKind, Scheme

MIN_MONTHS, MAX_MONTHS = 1, 12

SCHEME_FOR_KIND: dict[ApplicantKind, Scheme] = {
    ApplicantKind.CIVIL_SERVANT: Scheme.INDUSTRY,
    ApplicantKind.INDUSTRY_PROFESSIONAL: Scheme.GOVERNMENT,
    ApplicantKind.DIPLOMAT: Scheme.DIPLOMATIC,
}
KIND_WORDS = {
    ApplicantKind.CIVIL_SERVANT: "a civil servant",
    ApplicantKind.INDUSTRY_PROFESSIONAL: "an industry professional",
    ApplicantKind.DIPLOMAT: "an FCDO diplomat",
}
# The profile fields each kind must fill in (docs/architecture.md §2), with their words.
REQUIRED_BY_KIND: dict[ApplicantKind, dict[str, str]] = {
    ApplicantKind.CIVIL_SERVANT: {"organisation_id": "department", "grade": "grade",
                                  "profession": "profession", "line_manager_id": "line manager"},
    ApplicantKind.INDUSTRY_PROFESSIONAL: {"organisation_id": "employer", "role": "role"},
    ApplicantKind.DIPLOMAT: {"organisation_id": "FCDO post", "grade": "grade"},
}


class RuleError(ValueError):
    """A broken business rule, naming the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Status(StrEnum):
    SUBMITTED = "submitted"  # waiting for matching
    MATCHING = "matching"  # back with matching after a rejected placement
    MATCHED = "matched"
    IN_APPROVAL = "in_approval"
    APPROVED = "approved"
    CONFIRMED = "confirmed"
    STARTED = "started"
    ENDED = "ended"
    # Matching found nothing suitable yet; it keeps the application in its pool and proposes
    # as soon as a fitting place opens or frees, so this is live, not closed.
    WAITING = "waiting"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"  # not set any more (NoMatchFound now means WAITING); kept for old rows


# Statuses no downstream event can move the application out of.
TERMINAL = frozenset({Status.WITHDRAWN, Status.REJECTED, Status.ENDED})
# Once the placement has started the applicant can no longer withdraw.
NOT_WITHDRAWABLE = TERMINAL | {Status.STARTED}
# Kept in the database's partial unique index too (migrations/001_init.sql): keep in step.
LIVE_SQL = "status NOT IN ('withdrawn', 'rejected', 'ended')"


def is_live(status: Status) -> bool:
    return status not in TERMINAL


def check_profile(kind: ApplicantKind, fields: dict[str, object]) -> None:
    for name, words in REQUIRED_BY_KIND[kind].items():
        if fields.get(name) in (None, ""):
            raise RuleError(name, f"{name} is required for {KIND_WORDS[kind]} ({words})")
    start, until = fields.get("available_from"), fields.get("available_until")
    if isinstance(start, date) and isinstance(until, date) and until <= start:
        raise RuleError("available_until", "available_until must be after available_from")


@dataclass(frozen=True)
class ApplicationTerms:
    scheme: Scheme
    earliest_start: date
    desired_length_months: int


def check_application(kind: ApplicantKind, terms: ApplicationTerms, today: date,
                      available_from: date | None = None,
                      available_until: date | None = None) -> None:
    allowed = SCHEME_FOR_KIND[kind]
    if terms.scheme != allowed:
        raise RuleError("scheme", f"{KIND_WORDS[kind]} may apply only to the '{allowed}' "
                                  f"scheme, not '{terms.scheme}'")
    months = terms.desired_length_months
    if not MIN_MONTHS <= months <= MAX_MONTHS:
        raise RuleError("desired_length_months",
                        f"desired_length_months must be from {MIN_MONTHS} to {MAX_MONTHS} "
                        f"(a placement lasts at most a year), got {months}")
    if terms.earliest_start <= today:
        raise RuleError("earliest_start", f"earliest_start must be in the future (after "
                                          f"{today.isoformat()}), got "
                                          f"{terms.earliest_start.isoformat()}")
    if available_from and terms.earliest_start < available_from:
        raise RuleError("earliest_start", "earliest_start must not be before your availability "
                                          f"window opens ({available_from.isoformat()})")
    if available_until and terms.earliest_start > available_until:
        raise RuleError("earliest_start", "earliest_start must not be after your availability "
                                          f"window closes ({available_until.isoformat()})")


def one_live_per_scheme_message(scheme: str, live_id: object | None = None) -> str:
    which = f" ({live_id})" if live_id else ""
    return (f"you already have a live application for the '{scheme}' scheme{which}; "
            "withdraw it or wait for it to close before applying again")


def check_withdrawable(status: Status) -> None:
    if status == Status.WITHDRAWN:
        raise RuleError("status", "the application is already withdrawn")
    if status in (Status.STARTED, Status.ENDED):
        raise RuleError("status", "the placement has started; an application can be withdrawn "
                                  "only until its placement starts")
    if status in NOT_WITHDRAWABLE:
        raise RuleError("status", f"the application is closed ({status}); nothing to withdraw")


# --- status read model ------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """What one event means for the applicant: a timeline line, and (when `status` is set) the
    new status and what is awaited next from whom."""

    summary: str
    status: Status | None = None
    awaiting_what: str | None = None
    awaiting_from: str | None = None


def should_move(current: Status, current_at: datetime | None, step: Step,
                at: datetime) -> bool:
    """Events from three topics can arrive out of order: the latest one (by when it happened)
    sets the status, and nothing moves an application out of a terminal status."""
    if step.status is None or current in TERMINAL:
        return False
    return current_at is None or at >= current_at
