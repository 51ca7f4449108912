"""One valid example of every event, for tests (here and in the services) and docs.

from contracts.examples import example
e = example(ApplicationSubmitted, applicant_id="bob")   # any field can be overridden
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

from contracts.enums import (
    ApplicantKind,
    ApprovalStage,
    Clearance,
    Country,
    DeliveryStatus,
    Grade,
    InterestKind,
    NotificationChannel,
    PlacementOutcome,
    RejectionReason,
    Scheme,
    Sector,
    UKRegion,
)
from contracts.envelope import Event

E = TypeVar("E", bound=Event)

APPLICATION_ID = UUID("00000000-0000-4000-8000-00000000a001")
OPPORTUNITY_ID = UUID("00000000-0000-4000-8000-00000000b001")
ROUND_ID = UUID("00000000-0000-4000-8000-000000000a01")

# Values by field name; a class takes the ones it has. Keep one coherent journey.
VALUES: dict[str, Any] = {
    "application_id": APPLICATION_ID,
    "application_ids": (APPLICATION_ID,),
    "applicant_id": "applicant-1",
    "scheme": Scheme.INDUSTRY,
    "applicant_kind": ApplicantKind.CIVIL_SERVANT,
    "organisation_id": "dept-dbt",
    "grade": Grade.G7,
    "profession": "Policy",
    "clearance_held": Clearance.SC,
    "skills": ("policy analysis", "stakeholder management"),
    "sectors": (Sector.CLEAN_ENERGY,),
    "preferred_regions": (UKRegion.NORTH_WEST,),
    "preferred_countries": (Country.GB,),
    "earliest_start": date(2027, 1, 4),
    "desired_length_months": 6,
    "declared_interests": (
        {"organisation_name": "Acme Turbines Ltd", "kind": InterestKind.PROCUREMENT},
    ),
    "line_manager_id": "manager-1",
    "applicant_name": "Ada Example",
    "applicant_email": "ada@example.gov.uk",
    # Sealed under a throw-away key; it opens only with that key, which nobody kept.
    "applicant_contact": {
        "key_id": "applicant-1",
        "nonce": "AAAAAAAAAAAAAAAA",
        "ciphertext": "c2VhbGVkLWV4YW1wbGUtY2lwaGVydGV4dA",
    },
    "reason": "example reason",
    "opportunity_id": OPPORTUNITY_ID,
    "host_org_id": "org-windco",
    "host_name": "WindCo Ltd",
    "host_staff_count": 120,
    "host_sector": Sector.CLEAN_ENERGY,
    "country": Country.GB,
    "region": UKRegion.NORTH_WEST,
    "title": "Offshore wind policy secondment",
    "sector": Sector.CLEAN_ENERGY,
    "required_skills": ("policy analysis",),
    "desired_skills": ("energy markets",),
    "start_window_from": date(2027, 1, 1),
    "start_window_to": date(2027, 3, 31),
    "length_months": 6,
    "clearance_needed": Clearance.BPSS,
    "capacity": 2,
    "places_left": 1,
    "closing_date": date(2026, 12, 1),
    "match_id": UUID("00000000-0000-4000-8000-00000000c001"),
    "start_date": date(2027, 1, 4),
    "end_date": date(2027, 7, 3),
    "score": 0.82,
    "explanation": {
        "factors": [
            {"name": "skills", "weight": 0.6, "raw_score": 1.0, "contribution": 0.6},
            {"name": "region", "weight": 0.22, "raw_score": 1.0, "contribution": 0.22},
        ],
        "filters_checked": [
            {"name": "clearance", "passed": True},
            {"name": "conflict_of_interest", "passed": True},
        ],
    },
    "reasons": ("no open opportunity in the chosen sectors",),
    "case_id": UUID("00000000-0000-4000-8000-00000000d001"),
    "stage": ApprovalStage.LINE_MANAGER,
    "approver_role": "line_manager",
    "approver_id": "manager-1",
    "due_at": datetime(2026, 12, 10, 17, 0, tzinfo=UTC),
    "decided_by": "manager-1",
    "previous_approver_id": "manager-1",
    "reassigned_by": "hr-central-1",
    "placement_id": UUID("00000000-0000-4000-8000-00000000e001"),
    "started_on": date(2027, 1, 4),
    "previous_end_date": date(2027, 7, 3),
    "new_end_date": date(2027, 10, 3),
    "ended_on": date(2027, 7, 3),
    "outcome": PlacementOutcome.COMPLETED,
    "ended_by": "system",
    "host_rating": 5,
    "placee_rating": 4,
    "skills_gained": ("offshore wind economics",),
    "condition_kind": "outward",
    "former_host_org_id": "org-windco",
    "restricted_until": date(2028, 7, 3),
    "restricted_decisions": ("procurement", "regulation", "grants", "placements"),
    "party": "host",
    "given_by": "host-1",
    "notification_id": UUID("00000000-0000-4000-8000-00000000f001"),
    "source_event_id": UUID("00000000-0000-4000-8000-0000000000e1"),
    "source_event_type": "MatchProposed",
    "channel": NotificationChannel.EMAIL,
    "recipient_id": "applicant-1",
    "detail": "example detail",
    "follow_up_id": UUID("00000000-0000-4000-8000-0000000000f6"),
    "cohort": "placed",
    "left_because": "placement_ended",
    "kind": 6,
    "left_on": date(2027, 7, 3),
    "due_on": date(2028, 1, 3),
    "attempt": 1,
    "attempts": 3,
    "answer_by": date(2028, 2, 14),
    "answered_on": date(2028, 1, 10),
    "answers": {"skills_confidence": {"commercial_awareness": 4, "working_across_sectors": 4,
                                      "leading_change": 3},
                "intention": "stay_in_sector", "situation": "same_organisation_new_role"},
    "home_region": {"itl1": "North West", "itl2": "TLD3", "basis": "home"},
    "baseline": {"skills_confidence": {"commercial_awareness": 2, "working_across_sectors": 3,
                                       "leading_change": 3}, "intention": "undecided"},
    "follow_up_consent": True,
}

# Per-class choices where the shared value would not fit.
OVERRIDES: dict[str, dict[str, Any]] = {
    "PlacementRejected": {
        "reason": RejectionReason.DECLINED,
        "stage": ApprovalStage.HOST_ACCEPTANCE,
    },
    "ApprovalRefused": {"reason": "conflict of interest cannot be mitigated"},
    "ApprovalStageReassigned": {"approver_id": "manager-2",
                                "reason": "the line manager is on leave"},
    "NotificationFailed": {"status": DeliveryStatus.PERMANENT_FAILURE},
    "RankingSubmitted": {"opportunity_ids": (OPPORTUNITY_ID,)},
    "HostRankingSubmitted": {"ranked_application_ids": (APPLICATION_ID,), "excluded": (
        {"application_id": UUID("00000000-0000-4000-8000-00000000a002"),
         "reason": "not available for the whole window"},)},
    "MatchDeclined": {"reason": "took another offer"},
    # Its own structured answers (VALUES' `answers` are an outcome follow-up's).
    "PlacementFeedbackGiven": {"answers": {"overall": 5, "objectives_met": 4, "skills_value": 4,
                                           "would_recommend": True}},
    "RoundMatched": {"round_id": ROUND_ID, "seed": 20261129, "applicants": 3, "opportunities": 2,
                     "places": 2, "matched": 2, "unmatched": 1, "targets": (
                         {"dimension": "region", "value": "North West", "share": 0.5,
                          "needed": 1, "achieved": 1, "met": True, "bound": True,
                          "pairs_held_apart": 1, "achieved_without_target": 0,
                          "held_apart": ({"application_id": APPLICATION_ID,
                                          "opportunity_id": OPPORTUNITY_ID},)},),
                     "offered": ({"opportunity_id": OPPORTUNITY_ID, "places": 2},)},
}


def example(cls: type[E], **fields: Any) -> E:
    """A valid `cls` from VALUES, with `fields` on top. Producer = the topic owner."""
    from contracts.topics import topic

    chosen = {
        name: VALUES[name]
        for name in cls.model_fields
        if name in VALUES and name not in Event.model_fields
    }
    chosen.update(OVERRIDES.get(cls.__name__, {}))
    envelope = {
        "producer": topic(cls.TOPIC).owner,
        "correlation_id": OPPORTUNITY_ID if cls.TOPIC == "opportunities" else APPLICATION_ID,
    }
    return cls(**{**envelope, **chosen, **fields})
