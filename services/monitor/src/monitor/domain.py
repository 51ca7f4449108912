"""Pure rules of the monitor: what an event says about its journey, and timelines.

Everything here works on plain data (event type + payload dict, or LoggedEvent rows), so the
rules are tested without Kafka or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

OUTSIDE_UK = "Outside UK"

# The application's status after each event type (events not listed leave it unchanged).
STATUS_AFTER: dict[str, str] = {
    "ApplicationSubmitted": "submitted",
    "MatchProposed": "matched",
    "NoMatchFound": "no_match",
    "ApprovalStageOpened": "in_approval",
    "ApprovalGranted": "in_approval",
    "ApprovalRefused": "in_approval",
    "ApprovalEscalated": "in_approval",
    "PlacementApproved": "approved",
    "PlacementConfirmed": "confirmed",
    "PlacementRejected": "rejected",
    "PlacementStarted": "started",
    "PlacementExtended": "started",
    "PlacementEnded": "ended",
    "ApplicationWithdrawn": "withdrawn",
}
# Nothing moves an application out of these (a compensation event after withdrawal is noise).
FINAL_STATUSES = frozenset({"withdrawn", "ended"})
# Events the timer or a service emits on its own, with no person behind them.
SYSTEM_ACTORS = {"ApprovalEscalated": "SLA timer", "ApprovalReminderDue": "SLA timer"}


@dataclass(frozen=True)
class Dimensions:
    scheme: str | None = None
    sector: str | None = None
    region: str | None = None


def dimensions(payload: Mapping[str, Any]) -> Dimensions:
    """Scheme, sector and region an event states itself (enrichment happens on insert)."""
    sector = payload.get("sector") or payload.get("host_sector")
    region = payload.get("region")
    country = payload.get("country")
    if region is None and country and country != "GB":
        region = OUTSIDE_UK
    return Dimensions(payload.get("scheme"), sector, region)


def application_id_of(payload: Mapping[str, Any]) -> UUID | None:
    value = payload.get("application_id")
    return UUID(str(value)) if value else None


def actor_of(event_type: str, payload: Mapping[str, Any]) -> str:
    """Who acted: the deciding person when the event names one, else the producing service."""
    for key in ("decided_by", "ended_by"):
        if payload.get(key):
            return str(payload[key])
    if event_type in ("ApplicationSubmitted", "ApplicationWithdrawn"):
        return str(payload.get("applicant_id") or "applicant")
    if event_type in SYSTEM_ACTORS:
        return f"{payload.get('producer', 'approval')} ({SYSTEM_ACTORS[event_type]})"
    return str(payload.get("producer") or "unknown")


def summary_of(event_type: str, payload: Mapping[str, Any]) -> str:
    """One readable line for the stream, the CLI and the timeline (no personal data)."""
    p = payload
    match event_type:
        case "ApplicationSubmitted":
            return f"{p.get('scheme')} application submitted by {p.get('applicant_id')}"
        case "ApplicationWithdrawn":
            return f"withdrawn by {p.get('applicant_id')}"
        case "MatchProposed":
            return (f"matched to {p.get('host_org_id')} ({p.get('sector')}), "
                    f"score {float(p.get('score', 0)):.2f}")
        case "NoMatchFound":
            return "no match: " + "; ".join(p.get("reasons") or ["no reason given"])
        case "ApprovalStageOpened":
            return (f"stage {p.get('stage')} opened for {p.get('approver_role')}, "
                    f"due {p.get('due_at')}")
        case "ApprovalGranted":
            return f"stage {p.get('stage')} granted by {p.get('decided_by')}"
        case "ApprovalRefused":
            return f"stage {p.get('stage')} refused by {p.get('decided_by')}: {p.get('reason')}"
        case "ApprovalEscalated":
            return f"stage {p.get('stage')} missed its SLA ({p.get('due_at')}); escalated to HR"
        case "ApprovalReminderDue":
            return f"reminder: stage {p.get('stage')} due {p.get('due_at')}"
        case "PlacementConfirmed" | "PlacementApproved":
            verb = "confirmed" if event_type == "PlacementConfirmed" else "approved"
            return (f"placement {verb} at {p.get('host_org_id')}, "
                    f"{p.get('start_date')} to {p.get('end_date')}")
        case "PlacementRejected":
            return f"placement rejected ({p.get('reason')}) at stage {p.get('stage')}"
        case "PlacementStarted":
            return f"placement started on {p.get('started_on')}"
        case "PlacementExtended":
            return f"extended from {p.get('previous_end_date')} to {p.get('new_end_date')}"
        case "PlacementEnded":
            return (f"placement ended ({p.get('outcome')}) on {p.get('ended_on')}; ratings "
                    f"host {p.get('host_rating')}, placee {p.get('placee_rating')}")
        case "NotificationDelivered" | "NotificationFailed":
            return (f"{p.get('channel')} to {p.get('recipient_id')} about "
                    f"{p.get('source_event_type')}: {p.get('status')}")
        case "ApprovalStageReassigned":
            return (f"stage {p.get('stage')} reassigned from {p.get('previous_approver_id')} to "
                    f"{p.get('approver_id')} by {p.get('reassigned_by')}")
        case "ApplicantErased":
            return (f"{p.get('applicant_id')}'s personal data erased "
                    f"({len(p.get('application_ids') or ())} applications)")
        case "PlacementFeedbackGiven":
            answers = p.get("answers") or {}
            return (f"{p.get('party')} feedback by {p.get('given_by')}: overall "
                    f"{answers.get('overall')} of 5")
        case "MatchDeclined":
            return f"proposal at {p.get('host_org_id')} declined by {p.get('applicant_id')}"
        case "RankingSubmitted":
            return f"ranked {len(p.get('opportunity_ids') or ())} opportunities"
        case "HostRankingSubmitted":
            return (f"{p.get('host_org_id')} ranked {len(p.get('ranked_application_ids') or ())}"
                    f" candidates and excluded {len(p.get('excluded') or ())}")
        case "RoundMatched":
            return (f"round {p.get('round_id')} matched {p.get('matched')} of "
                    f"{p.get('applicants')} applicants (seed {p.get('seed')})")
        case "FollowUpDue" | "FollowUpLapsed" | "OutcomeRecorded":
            what = {"FollowUpDue": f"asked (attempt {p.get('attempt')})",
                    "FollowUpLapsed": "lapsed unanswered",
                    "OutcomeRecorded": "answered"}[event_type]
            return f"{p.get('kind')}-month follow-up ({p.get('cohort')}) {what}"
        case "ReturnConditionsRecorded":
            return (f"{p.get('condition_kind')} return conditions on leaving "
                    f"{p.get('former_host_org_id')}, until {p.get('restricted_until')}")
        case _ if event_type.startswith("Opportunity"):
            return f"{event_type.removeprefix('Opportunity').lower()}: {p.get('title', '')}".strip()
    return event_type


def next_status(current: str | None, event_type: str) -> str | None:
    if current in FINAL_STATUSES:
        return current
    return STATUS_AFTER.get(event_type, current)


@dataclass(frozen=True)
class LoggedEvent:
    """One row of the event log, as the rules need it."""

    seq: int
    event_type: str
    occurred_at: datetime
    payload: Mapping[str, Any] = field(default_factory=dict)
    application_id: UUID | None = None
    scheme: str | None = None
    sector: str | None = None
    region: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Step:
    seq: int
    event_type: str
    occurred_at: datetime
    actor: str | None
    summary: str
    since_previous_seconds: float | None
    since_start_seconds: float


def in_story_order(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    # occurred_at, not arrival: topics are read independently, so arrival may interleave.
    return sorted(events, key=lambda e: (e.occurred_at, e.seq))


def timeline(events: Iterable[LoggedEvent]) -> list[Step]:
    ordered = in_story_order(events)
    steps: list[Step] = []
    for i, e in enumerate(ordered):
        previous = ordered[i - 1].occurred_at if i else None
        steps.append(Step(
            seq=e.seq, event_type=e.event_type, occurred_at=e.occurred_at, actor=e.actor,
            summary=summary_of(e.event_type, e.payload),
            since_previous_seconds=(e.occurred_at - previous).total_seconds()
            if previous else None,
            since_start_seconds=(e.occurred_at - ordered[0].occurred_at).total_seconds()))
    return steps
