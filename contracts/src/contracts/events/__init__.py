"""The event catalogue, one module per topic."""

from contracts.events.applications import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    DeclaredInterest,
    SealedContact,
)
from contracts.events.approvals import (
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStageOpened,
    ApprovalStageReassigned,
)
from contracts.events.matches import (
    FilterCheck,
    MatchExplanation,
    MatchProposed,
    NoMatchFound,
    ScoreFactor,
)
from contracts.events.notifications import NotificationDelivered, NotificationFailed
from contracts.events.opportunities import (
    OpportunityAmended,
    OpportunityCapacityChanged,
    OpportunityClosed,
    OpportunityPublished,
)
from contracts.events.placements import (
    PlacementApproved,
    PlacementConfirmed,
    PlacementEnded,
    PlacementExtended,
    PlacementRejected,
    PlacementStarted,
)

__all__ = [
    "ApplicantErased",
    "ApplicationSubmitted",
    "ApplicationSubmittedV2",
    "ApplicationWithdrawn",
    "ApprovalEscalated",
    "ApprovalGranted",
    "ApprovalRefused",
    "ApprovalReminderDue",
    "ApprovalStageOpened",
    "ApprovalStageReassigned",
    "DeclaredInterest",
    "FilterCheck",
    "MatchExplanation",
    "MatchProposed",
    "NoMatchFound",
    "NotificationDelivered",
    "NotificationFailed",
    "OpportunityAmended",
    "OpportunityCapacityChanged",
    "OpportunityClosed",
    "OpportunityPublished",
    "PlacementApproved",
    "PlacementConfirmed",
    "PlacementEnded",
    "PlacementExtended",
    "PlacementRejected",
    "PlacementStarted",
    "ScoreFactor",
    "SealedContact",
]
