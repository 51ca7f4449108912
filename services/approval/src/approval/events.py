"""Integration events built from case and placement rows (the boundary to the catalogue)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from approval.domain import Approver
from contracts import (
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStageOpened,
    ApprovalStageReassigned,
    Event,
    PlacementApproved,
    PlacementConfirmed,
    PlacementRejected,
    RejectionReason,
)

PRODUCER = "approval"
Row = asyncpg.Record | dict[str, Any]


def envelope(row: Row, causation_id: uuid.UUID | None) -> dict[str, Any]:
    return {"producer": PRODUCER, "correlation_id": row["correlation_id"],
            "causation_id": causation_id}


def _stage_fields(case: Row, stage: str) -> dict[str, Any]:
    return {"case_id": case["id"], "application_id": case["application_id"],
            "match_id": case["match_id"], "applicant_id": case["applicant_id"],
            "scheme": case["scheme"], "stage": stage, **envelope(case, None)}


def stage_opened(case: Row, stage: str, approver: Approver, due_at: datetime,
                 causation_id: uuid.UUID | None, stage_id: uuid.UUID | None = None
                 ) -> ApprovalStageOpened:
    return ApprovalStageOpened(**{**_stage_fields(case, stage), "causation_id": causation_id},
                               approver_role=approver.role, approver_org_id=approver.org_id,
                               approver_id=approver.user_id, due_at=due_at, stage_id=stage_id)


def granted(case: Row, stage: Row, decided_by: str, note: str | None,
            mitigation: str | None) -> ApprovalGranted:
    return ApprovalGranted(**{**_stage_fields(case, stage["stage"]),
                              "causation_id": stage["opened_event_id"]},
                           decided_by=decided_by, note=note, mitigation=mitigation)


def refused(case: Row, stage: Row, decided_by: str, reason: str) -> ApprovalRefused:
    return ApprovalRefused(**{**_stage_fields(case, stage["stage"]),
                              "causation_id": stage["opened_event_id"]},
                           decided_by=decided_by, reason=reason)


def reminder(case: Row, stage: Row) -> ApprovalReminderDue:
    return ApprovalReminderDue(**{**_stage_fields(case, stage["stage"]),
                                  "causation_id": stage["opened_event_id"]},
                               approver_role=stage["approver_role"],
                               approver_id=stage["approver_id"], due_at=stage["due_at"],
                               stage_id=stage["id"])


def escalated(case: Row, stage: Row) -> ApprovalEscalated:
    return ApprovalEscalated(**{**_stage_fields(case, stage["stage"]),
                                "causation_id": stage["opened_event_id"]},
                             due_at=stage["due_at"], stage_id=stage["id"])


def reassigned(case: Row, stage: Row, approver_id: str, by: str, reason: str,
               due_at: datetime) -> ApprovalStageReassigned:
    return ApprovalStageReassigned(**{**_stage_fields(case, stage["stage"]),
                                      "causation_id": stage["opened_event_id"]},
                                   approver_role=stage["approver_role"],
                                   approver_org_id=stage["approver_org_id"],
                                   approver_id=approver_id,
                                   previous_approver_org_id=stage["approver_org_id"],
                                   previous_approver_id=stage["approver_id"],
                                   reassigned_by=by, reason=reason, due_at=due_at)


def rejected(case: Row, stage: str | None, reason: RejectionReason, detail: str | None,
             causation_id: uuid.UUID | None) -> PlacementRejected:
    return PlacementRejected(**envelope(case, causation_id),
                             application_id=case["application_id"], match_id=case["match_id"],
                             opportunity_id=case["opportunity_id"],
                             applicant_id=case["applicant_id"], host_org_id=case["host_org_id"],
                             scheme=case["scheme"], stage=stage, reason=reason,
                             detail=detail[:2000] if detail else None)


def terms(case: Row, placement_id: uuid.UUID, start: date, end: date) -> dict[str, Any]:
    return {"placement_id": placement_id, "application_id": case["application_id"],
            "match_id": case["match_id"], "opportunity_id": case["opportunity_id"],
            "applicant_id": case["applicant_id"], "host_org_id": case["host_org_id"],
            "scheme": case["scheme"], "sector": case["sector"], "country": case["country"],
            "region": case["region"], "start_date": start, "end_date": end}


def approved_and_confirmed(case: Row, placement_id: uuid.UUID, start: date, end: date,
                           causation_id: uuid.UUID) -> tuple[Event, Event]:
    approved = PlacementApproved(**envelope(case, causation_id),
                                 **terms(case, placement_id, start, end))
    confirmed = PlacementConfirmed(**envelope(case, approved.event_id),
                                   **terms(case, placement_id, start, end))
    return approved, confirmed
