import uuid
from datetime import UTC, datetime

from applicant.domain import Status
from applicant.progress import step_for
from contracts.examples import example

from contracts import (
    ApprovalEscalated,
    ApprovalReminderDue,
    ApprovalStage,
    ApprovalStageOpened,
    NoMatchFound,
    PlacementRejected,
    RejectionReason,
)

DUE = datetime(2027, 2, 1, tzinfo=UTC)


def test_an_opened_line_manager_stage_awaits_the_line_managers_decision_from_them():
    step = step_for(example(ApprovalStageOpened, stage=ApprovalStage.LINE_MANAGER,
                            approver_role="line_manager", approver_id="manager-1",
                            approver_org_id=None, due_at=DUE))
    assert step.status == Status.IN_APPROVAL
    assert (step.awaiting_what, step.awaiting_from) == ("line manager decision", "manager-1")
    assert "due 2027-02-01" in step.summary


def test_a_stage_without_a_named_approver_awaits_the_organisation():
    step = step_for(example(ApprovalStageOpened, stage=ApprovalStage.HOST_ACCEPTANCE,
                            approver_role="host", approver_id=None, approver_org_id="org-windco",
                            due_at=DUE))
    assert step.awaiting_what == "host acceptance"
    assert "org-windco" in step.awaiting_from


def test_an_escalated_stage_awaits_hr():
    step = step_for(example(ApprovalEscalated, stage=ApprovalStage.SECURITY_VETTING, due_at=DUE))
    assert step.awaiting_from == "HR"


def test_a_reminder_is_a_timeline_line_only():
    assert step_for(example(ApprovalReminderDue, due_at=DUE)).status is None


def test_a_rejected_placement_goes_back_to_matching():
    step = step_for(example(PlacementRejected, reason=RejectionReason.DECLINED,
                            opportunity_id=uuid.uuid4()))
    assert step.status == Status.MATCHING
    assert "host declined" in step.summary


def test_no_match_found_leaves_the_application_waiting_with_the_reasons():
    step = step_for(example(NoMatchFound, reasons=("no opportunity in Wales",)))
    assert step.status == Status.WAITING and step.awaiting_from == "the matching service"
    assert "no opportunity in Wales" in step.summary
