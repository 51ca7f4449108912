"""The services' own request and response models, gathered in the one place that knows which
module of each service holds them (if a service moves them, only these imports change)."""

from applicant.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    Awaiting,
    ProfileIn,
    ProfileOut,
    TimelineEntry,
    WithdrawIn,
)
from approval.api import DecisionIn, EndIn, ExtendIn, PlacementOut, StageOut, StartIn
from matching.api import (
    CandidateOut,
    CloseIn,
    MinimumIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    RoundIn,
    RoundOut,
)
from notification.api import ContactIn, InboxItem, Notification, WebhookIn, WebhookOut

__all__ = [
    "ApplicationIn", "ApplicationOut", "ApplicationPage", "Awaiting", "CandidateOut", "CloseIn",
    "ContactIn", "DecisionIn", "EndIn", "ExtendIn", "InboxItem", "MinimumIn", "Notification",
    "OpportunityIn", "OpportunityOut", "OpportunityPatch", "PlacementOut", "ProfileIn",
    "ProfileOut", "RoundIn", "RoundOut", "StageOut", "StartIn", "TimelineEntry", "WebhookIn",
    "WebhookOut", "WithdrawIn",
]
