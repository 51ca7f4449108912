"""The services' own request and response models (each service's schemas module), gathered
in one place: if a service moves one, only these imports change. The monitor's answers are
reports the tests read as JSON, so they are not typed here."""

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
from approval.schemas import DecisionIn, EndIn, ExtendIn, PlacementOut, StageOut, StartIn
from matching.ranking_schemas import DeclineIn, RankingIn, RankingOut
from matching.schemas import (
    CandidateOut,
    CloseIn,
    MinimumIn,
    OpportunityIn,
    OpportunityOut,
    OpportunityPatch,
    RoundIn,
    RoundOut,
)
from notification.schemas import ContactIn, InboxItem, Notification, WebhookIn, WebhookOut

__all__ = [
    "ApplicationIn", "ApplicationOut", "ApplicationPage", "Awaiting", "CandidateOut", "CloseIn",
    "ContactIn", "DecisionIn", "DeclineIn", "EndIn", "ExtendIn", "InboxItem", "MinimumIn",
    "Notification", "OpportunityIn", "OpportunityOut", "OpportunityPatch", "PlacementOut",
    "ProfileIn", "ProfileOut", "RankingIn", "RankingOut", "RoundIn", "RoundOut", "StageOut",
    "StartIn", "TimelineEntry", "WebhookIn", "WebhookOut", "WithdrawIn",
]
