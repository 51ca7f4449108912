"""What each downstream event means for the applicant: their status and what is awaited next,
from whom. Pure mapping from catalogue events to domain Steps."""

from __future__ import annotations

from functools import singledispatch

from applicant.domain import Status, Step
from contracts import (
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStage,
    ApprovalStageOpened,
    ApprovalStageReassigned,
    Event,
    MatchDeclined,
    MatchProposed,
    NoMatchFound,
    PlacementApproved,
    PlacementConfirmed,
    PlacementEnded,
    PlacementExtended,
    PlacementRejected,
    PlacementStarted,
    RejectionReason,
)

STAGE_WORDS: dict[ApprovalStage, tuple[str, str]] = {
    # stage: (what is awaited, from whom by default)
    ApprovalStage.LINE_MANAGER: ("line manager decision", "your line manager"),
    ApprovalStage.DEPARTMENTAL_HR: ("departmental HR decision", "your department's HR"),
    ApprovalStage.CONFLICT_OF_INTEREST: ("conflict-of-interest decision", "the ethics team"),
    ApprovalStage.HOST_ACCEPTANCE: ("host acceptance", "the host organisation"),
    ApprovalStage.RELEASING_EMPLOYER: ("releasing employer decision", "your employer"),
    ApprovalStage.HOST_DEPARTMENT: ("host department decision", "the host department"),
    ApprovalStage.SECURITY_VETTING: ("security vetting decision", "security vetting"),
    ApprovalStage.FCDO_POST: ("FCDO post decision", "your FCDO post"),
    ApprovalStage.BCC_ENDORSEMENT: ("BCC endorsement", "the British Chambers of Commerce"),
    ApprovalStage.SME_ACCEPTANCE: ("SME acceptance", "the host SME"),
}
APPROVAL_SERVICE = "the approval service"
MATCHING_SERVICE = "the matching service"
REJECTION_WORDS = {
    RejectionReason.REFUSED: "an approver refused it",
    RejectionReason.DECLINED: "the host declined",
    RejectionReason.EXPIRED: "a deadline passed",
    RejectionReason.WITHDRAWN: "the application was withdrawn",
}


def stage_words(stage: ApprovalStage) -> tuple[str, str]:
    return STAGE_WORDS.get(stage, (f"{stage} decision", APPROVAL_SERVICE))


def submitted_step() -> Step:
    return Step("application submitted", Status.SUBMITTED, "a match proposal", MATCHING_SERVICE)


def withdrawn_step(reason: str | None) -> Step:
    return Step("application withdrawn" + (f": {reason}" if reason else ""), Status.WITHDRAWN)


@singledispatch
def step_for(event: Event) -> Step | None:
    return None  # not an event the applicant follows


@step_for.register
def _(e: MatchProposed) -> Step:
    return Step(f"matched with opportunity {e.opportunity_id} at {e.host_org_id} "
                f"(score {e.score:.2f}), starting {e.start_date.isoformat()}",
                Status.MATCHED, "the approval chain to open", APPROVAL_SERVICE)


@step_for.register
def _(e: MatchDeclined) -> Step:
    # The applicant turned this proposal down; the application stays live.
    why = f": {e.reason}" if e.reason else ""
    return Step(f"you declined the proposal of opportunity {e.opportunity_id}{why}",
                Status.MATCHING, "another match proposal", MATCHING_SERVICE)


@step_for.register
def _(e: NoMatchFound) -> Step:
    why = "; ".join(e.reasons) if e.reasons else "no open opportunity fits"
    return Step(f"no suitable opportunity found yet: {why}", Status.WAITING,
                "an opportunity that fits to open or free up", MATCHING_SERVICE)


@step_for.register
def _(e: ApprovalStageOpened) -> Step:
    what, default_who = stage_words(e.stage)
    who = e.approver_id or default_who
    if e.approver_org_id and not e.approver_id:
        who = f"{default_who} ({e.approver_org_id})"
    return Step(f"{what} requested from {who}, due {e.due_at.date().isoformat()}",
                Status.IN_APPROVAL, what, who)


@step_for.register
def _(e: ApprovalStageReassigned) -> Step:
    what, _ = stage_words(e.stage)
    return Step(f"{what} passed to another approver ({e.approver_id}), due "
                f"{e.due_at.date().isoformat()}", Status.IN_APPROVAL, what, e.approver_id)


@step_for.register
def _(e: ApprovalGranted) -> Step:
    what, _ = stage_words(e.stage)
    return Step(f"{what}: granted", Status.IN_APPROVAL, "the next approval stage",
                APPROVAL_SERVICE)


@step_for.register
def _(e: ApprovalRefused) -> Step:
    what, _ = stage_words(e.stage)
    return Step(f"{what}: refused ({e.reason})", Status.IN_APPROVAL,
                "the case to close after the refusal", APPROVAL_SERVICE)


@step_for.register
def _(e: ApprovalEscalated) -> Step:
    what, _ = stage_words(e.stage)
    return Step(f"{what} is overdue (was due {e.due_at.date().isoformat()}); escalated to HR",
                Status.IN_APPROVAL, f"{what} (escalated)", "HR")


@step_for.register
def _(e: ApprovalReminderDue) -> Step:
    what, _ = stage_words(e.stage)
    # A reminder changes nothing the applicant waits for: a timeline line only.
    return Step(f"reminder sent for the {what}, due {e.due_at.date().isoformat()}")


@step_for.register
def _(e: PlacementApproved) -> Step:
    return Step(f"placement approved at {e.host_org_id}", Status.APPROVED,
                "confirmation of the place", APPROVAL_SERVICE)


@step_for.register
def _(e: PlacementConfirmed) -> Step:
    return Step(f"placement confirmed at {e.host_org_id} from {e.start_date.isoformat()} "
                f"to {e.end_date.isoformat()}", Status.CONFIRMED,
                f"the placement to start on {e.start_date.isoformat()}", e.host_org_id)


@step_for.register
def _(e: PlacementRejected) -> Step:
    why = REJECTION_WORDS.get(e.reason, str(e.reason))
    detail = f" ({e.detail})" if e.detail else ""
    # Back to matching, which proposes the next best opportunity or says NoMatchFound.
    return Step(f"placement at opportunity {e.opportunity_id} rejected: {why}{detail}",
                Status.MATCHING, "another match proposal", MATCHING_SERVICE)


@step_for.register
def _(e: PlacementStarted) -> Step:
    return Step(f"placement started at {e.host_org_id} on {e.started_on.isoformat()}",
                Status.STARTED, "the placement to end", e.host_org_id)


@step_for.register
def _(e: PlacementExtended) -> Step:
    return Step(f"placement extended to {e.new_end_date.isoformat()}", Status.STARTED,
                f"the placement to end on {e.new_end_date.isoformat()}", e.host_org_id)


@step_for.register
def _(e: PlacementEnded) -> Step:
    return Step(f"placement ended on {e.ended_on.isoformat()} ({e.outcome})", Status.ENDED)
