"""Topic `approvals`: written by the approval service, keyed by application id."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from contracts.enums import ApprovalStage, Scheme
from contracts.envelope import CatalogueEvent, Id, Label, Text

__all__ = ["ApprovalEscalated", "ApprovalGranted", "ApprovalRefused", "ApprovalReminderDue",
           "ApprovalStageOpened", "ApprovalStageReassigned"]


StageLink = Annotated[UUID | None, Field(
    description="The approval service's stage, for a link to its task page.")]


class _ApprovalsEvent(CatalogueEvent):
    TOPIC: ClassVar[str] = "approvals"
    KEY_FIELD: ClassVar[str] = "application_id"

    case_id: UUID
    application_id: UUID
    match_id: UUID
    applicant_id: Id
    scheme: Scheme
    stage: ApprovalStage


class ApprovalStageOpened(_ApprovalsEvent):
    event_type: Literal["ApprovalStageOpened"] = "ApprovalStageOpened"

    approver_role: Label = Field(description="The auth role that may decide, e.g. line_manager.")
    approver_org_id: Id | None = None
    approver_id: Id | None = Field(default=None, description="A named approver, when known.")
    due_at: AwareDatetime
    stage_id: StageLink = None


class ApprovalGranted(_ApprovalsEvent):
    event_type: Literal["ApprovalGranted"] = "ApprovalGranted"

    decided_by: Id
    note: Text | None = None
    mitigation: Text | None = Field(default=None, description="Conflict-of-interest mitigation.")


class ApprovalRefused(_ApprovalsEvent):
    event_type: Literal["ApprovalRefused"] = "ApprovalRefused"

    decided_by: Id
    reason: Text


class ApprovalEscalated(_ApprovalsEvent):
    """The stage's SLA passed without a decision; HR now owns it."""

    event_type: Literal["ApprovalEscalated"] = "ApprovalEscalated"

    due_at: AwareDatetime = Field(description="The deadline that was missed.")
    escalated_to: Literal["hr"] = "hr"
    stage_id: StageLink = None


class ApprovalReminderDue(_ApprovalsEvent):
    event_type: Literal["ApprovalReminderDue"] = "ApprovalReminderDue"

    approver_role: Label | None = None
    approver_id: Id | None = None
    due_at: AwareDatetime
    stage_id: StageLink = None


class ApprovalStageReassigned(_ApprovalsEvent):
    """HR gave an open stage to another approver: the new one decides it (with a fresh SLA),
    the previous one no longer can."""

    event_type: Literal["ApprovalStageReassigned"] = "ApprovalStageReassigned"

    approver_role: Label = Field(description="The stage's role; unchanged by a reassignment.")
    approver_org_id: Id | None = None
    approver_id: Id = Field(description="The approver the stage now belongs to.")
    previous_approver_org_id: Id | None = None
    previous_approver_id: Id | None = Field(
        default=None, description="The named approver before, when there was one.")
    reassigned_by: Id
    reason: Text
    due_at: AwareDatetime = Field(description="The new approver's deadline.")
