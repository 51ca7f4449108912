"""The authorisation matrix, as data: every endpoint of every service, who may call it, and
what each caller hears. test_authorisation_matrix.py walks all of it against the running
services; a service endpoint missing from here fails that test.

The rule: no or bad token -> 401; a role the endpoint is not for -> 403; a role it is for,
asking about someone else's object -> 404 (its existence is not disclosed). `statuses` lists
what the owners (and other special callers) hear instead of `default`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.auth import Role
from testkit.http import to_json
from testkit.models import (
    CloseIn,
    ContactIn,
    DecisionIn,
    EndIn,
    ExtendIn,
    OpportunityPatch,
    RoundIn,
    StartIn,
    WebhookIn,
    WithdrawIn,
)

from testkit import bodies

ROLES = tuple(r.value for r in Role)

# One caller per role; each owns the objects of the world built in security_world.py.
PRINCIPALS: dict[str, tuple[str, str, str | None]] = {
    "applicant": ("sec-alice", "applicant", None),
    "host": ("sec-host-a", "host", "sec-org-a"),
    "line_manager": ("sec-manager-1", "line_manager", None),
    "hr": ("sec-hr-central", "hr", None),
    "ethics": ("sec-ethics-1", "ethics", None),
    "vetting": ("sec-vetting-1", "vetting", None),
    "employer": ("sec-employer-1", "employer", "sec-emp-acme"),
    "fcdo_post": ("sec-post-1", "fcdo_post", "sec-post-paris"),
    "bcc": ("sec-bcc-1", "bcc", "sec-bcc-france"),
    "evaluator": ("sec-evaluator-1", "evaluator", "sec-isc"),
}
# Callers holding an allowed role who own nothing: on an endpoint about one object they must
# hear 404 (or 403 where their kind of the role is not enough, e.g. departmental HR).
INTRUDERS: dict[str, tuple[str, str, str | None]] = {
    "applicant:other": ("sec-bob", "applicant", None),
    "host:other": ("sec-host-b", "host", "sec-org-b"),
    "line_manager:other": ("sec-manager-2", "line_manager", None),
    "hr:departmental": ("sec-hr-dept", "hr", "sec-dept-other"),
}
# Tokens that must never get past authentication (built in test_authorisation_matrix.py).
BAD_TOKENS = ("no token", "bad signature", "expired", "not a jwt", "wrong audience")

HOOK_URL = "http://127.0.0.1:9/sec-hook"  # nothing listens: deliveries fail, harmlessly
PUBLIC = None
ANY = frozenset(ROLES)
APPLICANT = frozenset({"applicant"})
APPLICANT_OR_HR = frozenset({"applicant", "hr"})
HOST = frozenset({"host"})
HOST_OR_HR = frozenset({"host", "hr"})
HR = frozenset({"hr"})
EVALUATOR = frozenset({"evaluator"})
APPROVERS = frozenset({"line_manager", "hr", "ethics", "vetting", "employer", "fcdo_post",
                       "bcc", "host"})
PARTIES = frozenset({"applicant", "host", "hr"})
# The releasing employer (employer of the application's organisation) sees a placement too,
# and gives feedback with the placee and the host (HR gives none).
PLACEMENT_VIEWERS = PARTIES | {"employer"}
FEEDBACK_GIVERS = frozenset({"applicant", "host", "employer"})
FEEDBACK = {"overall": 4, "objectives_met": 4, "skills_value": 3, "would_recommend": True}


@dataclass(frozen=True)
class Endpoint:
    service: str
    method: str
    path: str  # the OpenAPI path; {names} are filled from the world's ids
    allowed: frozenset[str] | None  # roles that may call; None = public
    default: int = 200  # what an allowed caller hears unless `statuses` says otherwise
    statuses: Mapping[str, int] = field(default_factory=dict)
    body: Any = None
    query: Mapping[str, Any] = field(default_factory=dict)
    # Path parameter -> which world id fills it, where it is not the id of the same name.
    ids: Mapping[str, str] = field(default_factory=dict)
    in_openapi: bool = True
    # Phase 1 endpoints change the world (start, end, withdraw...); walked after phase 0,
    # in this file's order.
    phase: int = 0

    def expected(self, principal: str, role: str) -> int:
        if self.allowed is PUBLIC:
            return self.statuses.get(principal, self.default)
        if role not in self.allowed:
            return 403
        return self.statuses.get(principal, self.default)

    @property
    def about_one_object(self) -> bool:
        return "{" in self.path

    def url_path(self, world_ids: Mapping[str, str]) -> str:
        return self.path.format(**{**world_ids,
                                   **{k: world_ids[v] for k, v in self.ids.items()}})


def E(service: str, method: str, path: str, allowed: frozenset[str] | None, **kw) -> Endpoint:
    return Endpoint(service, method, path, allowed, **kw)


# Request bodies are the services' own models (testkit), sent as JSON by the walk.
PROFILE = to_json(bodies.profile(
    "civil_servant", "sec-alice", "sec-dept-dbt", name="Imogen Quartermaine",
    email="imogen.quartermaine@dbt.gov.uk", line_manager_id="sec-manager-1",
    skills=["policy", "data"], sectors=["clean_energy"], preferred_regions=["North West"],
    available_from="2027-01-01", available_until="2027-12-31"))
APPLICATION = to_json(bodies.application("industry", "2027-04-01", 6))
FOLLOW_UP_ANSWERS = {"skills_confidence": {"commercial_awareness": 4, "working_across_sectors": 4,
                                           "leading_change": 3},
                     "intention": "stay_in_sector", "situation": "same_organisation_new_role"}
OPPORTUNITY = to_json(bodies.opportunity(
    "industry", "Offshore wind policy secondment", "2027-03-01", "2027-06-30", "2027-02-15",
    host_name="Quayside Turbines Ltd", host_staff_count=120, required_skills=["policy"],
    desired_skills=["data"], grade_min="HEO", grade_max="G7", clearance_needed="none"))
# A second opportunity nobody in the world fits (another sector and region).
OTHER_OPPORTUNITY = {**OPPORTUNITY, "title": "Battery plant logistics", "region": "Wales",
                     "sector": "advanced_manufacturing", "host_sector": "advanced_manufacturing"}

OPS = [E(s, "GET", p, PUBLIC, in_openapi=p != "/metrics")
       for s in ("applicant", "matching", "approval", "notification", "monitor")
       for p in ("/healthz", "/readyz", "/metrics")]

APPLICANT_SERVICE = [
    E("applicant", "PUT", "/applicants/me", APPLICANT, body=PROFILE),
    E("applicant", "GET", "/applicants/me", APPLICANT),
    E("applicant", "GET", "/applicants/{applicant_id}", APPLICANT_OR_HR, default=404,
      statuses={"applicant": 200, "hr": 200}),
    # The owner already has a live industry application: one per scheme (a rule, so 422).
    E("applicant", "POST", "/applications", APPLICANT, default=422, body=APPLICATION),
    E("applicant", "GET", "/applications", APPLICANT_OR_HR),
    E("applicant", "GET", "/applications/{application_id}", APPLICANT_OR_HR, default=404,
      statuses={"applicant": 200, "hr": 200}),
    E("applicant", "GET", "/applications/{application_id}/timeline", APPLICANT_OR_HR,
      default=404, statuses={"applicant": 200, "hr": 200}),
    # The case: its deciders (the line manager and ethics held stages of it, the host was
    # proposed to), central HR and the applicant; everyone else hears of no such application.
    E("applicant", "GET", "/applications/{application_id}/case", ANY, default=404,
      statuses={"applicant": 200, "host": 200, "line_manager": 200, "hr": 200,
                "ethics": 200}),
    # For the services named in APPLICANT_KEY_READERS (by token subject), never for a person.
    E("applicant", "GET", "/internal/data-keys/{applicant_id}", frozenset()),
    # Follow-ups are the applicant's own; the world has none, so any id is no such follow-up.
    E("applicant", "GET", "/follow-ups", APPLICANT),
    E("applicant", "GET", "/follow-ups/{follow_up_id}", APPLICANT, default=404,
      ids={"follow_up_id": "application_id"}),
    E("applicant", "POST", "/follow-ups/{follow_up_id}/answers", APPLICANT, default=404,
      ids={"follow_up_id": "application_id"}, body=FOLLOW_UP_ANSWERS),
]

MATCHING_SERVICE = [
    E("matching", "POST", "/opportunities", HOST, default=201, body=OTHER_OPPORTUNITY),
    E("matching", "GET", "/opportunities", HOST_OR_HR),
    E("matching", "GET", "/opportunities/{opportunity_id}", HOST_OR_HR, default=404,
      statuses={"host": 200, "hr": 200, "hr:departmental": 403}),
    E("matching", "GET", "/opportunities/{opportunity_id}/candidates", HOST_OR_HR,
      default=404, statuses={"host": 200, "hr": 200, "hr:departmental": 403}),
    # One proposed candidate, for the host it was proposed to and central HR.
    E("matching", "GET", "/proposals/{match_id}", HOST_OR_HR, default=404,
      statuses={"host": 200, "hr": 200, "hr:departmental": 403}),
    # Matched already, so its owner may no longer amend it.
    E("matching", "PATCH", "/opportunities/{opportunity_id}", HOST, default=404,
      statuses={"host": 409}, body=to_json(OpportunityPatch(capacity=2))),
    E("matching", "POST", "/rounds", HR, default=201, body=to_json(RoundIn())),
    E("matching", "GET", "/rounds", HR),
    E("matching", "GET", "/rounds/{round_id}", HR, default=404,
      statuses={"hr:departmental": 403}),
    E("matching", "GET", "/rounds/{round_id}/report", HR, default=404,
      statuses={"hr:departmental": 403}),
    E("matching", "GET", "/rounds/{round_id}/report.csv", HR, default=404,
      statuses={"hr:departmental": 403}),
    # What applicants browse: any signed-in person sees open opportunities' public fields.
    E("matching", "GET", "/published-opportunities", ANY),
    # The world's opportunity has filled its places, so it is no longer published: 404.
    E("matching", "GET", "/published-opportunities/{opportunity_id}", ANY, default=404),
    # One's own current proposal only; anyone else's application is simply not found.
    E("matching", "GET", "/my-proposals/{application_id}", ANY, default=404,
      statuses={"applicant": 200}),
    # Rank order lists (matching/ranking.py). The world's application is confirmed: its list
    # can no longer change (409), but its owner may read it.
    E("matching", "PUT", "/applications/{application_id}/ranking", APPLICANT, default=404,
      statuses={"applicant": 409}, body={"opportunity_ids": []}),
    E("matching", "GET", "/applications/{application_id}/ranking", APPLICANT, default=404,
      statuses={"applicant": 200}),
    E("matching", "PUT", "/opportunities/{opportunity_id}/ranking", HOST, default=404,
      statuses={"host": 200}, body={"order": [], "excluded": []}),
    E("matching", "GET", "/opportunities/{opportunity_id}/ranking", HOST_OR_HR, default=404,
      statuses={"host": 200, "hr": 200, "hr:departmental": 403}),
    E("matching", "PUT", "/targets", HR, statuses={"hr:departmental": 403},
      body={"minimum_shares": []}),
    E("matching", "GET", "/targets", HR, statuses={"hr:departmental": 403}),
    # The world's proposal is confirmed, so there is no live one to decline, even for its owner.
    E("matching", "POST", "/my-proposals/{application_id}/decline", APPLICANT, default=404),
]

APPROVAL_SERVICE = [
    E("approval", "GET", "/stages", APPROVERS),
    E("approval", "GET", "/stages/{stage_id}", APPROVERS, default=404,
      statuses={"line_manager": 200, "hr": 200}),
    # Repeating the same decision is allowed; central HR sees the stage but may decide it
    # only once it has been escalated.
    E("approval", "POST", "/stages/{stage_id}/decision", APPROVERS, default=404,
      statuses={"line_manager": 200, "hr": 403}, body=to_json(DecisionIn(decision="grant"))),
    E("approval", "GET", "/tasks", APPROVERS),
    E("approval", "GET", "/applications/{application_id}/stages", APPROVERS, default=404,
      statuses={"host": 200, "line_manager": 200, "hr": 200, "ethics": 200}),
    # The world's first stage is decided already: central HR hears what happened (409),
    # departmental HR of another organisation of no such stage.
    E("approval", "POST", "/stages/{stage_id}/reassign", HR, default=404,
      statuses={"hr": 409}, body={"approver_id": "sec-manager-3", "reason": "on leave"}),
    E("approval", "GET", "/placements", PLACEMENT_VIEWERS),
    # The world's employer is of another organisation than the application's: 404.
    E("approval", "GET", "/placements/{placement_id}", PLACEMENT_VIEWERS, default=404,
      statuses={"applicant": 200, "host": 200, "hr": 200}),
    E("approval", "GET", "/return-conditions", HR),
    E("approval", "GET", "/placements/{placement_id}/feedback", PLACEMENT_VIEWERS,
      default=404, statuses={"applicant": 200, "host": 200, "hr": 200}),
]

NOTIFICATION_SERVICE = [
    E("notification", "GET", "/inbox", ANY),
    E("notification", "POST", "/inbox/{message_id}/read", ANY, default=404,
      statuses={"applicant": 200}),
    E("notification", "GET", "/notifications", ANY),
    E("notification", "GET", "/notifications/{message_id}", ANY, default=404,
      statuses={"applicant": 200, "hr": 200}),
    E("notification", "GET", "/webhooks", HOST),
    E("notification", "PUT", "/contacts/{contact_id}", HR,
      statuses={"hr:departmental": 403},
      body=to_json(ContactIn(email="approvals@quayside.example", name="Quayside approvals"))),
]

MONITOR_SERVICE = [
    E("monitor", "GET", "/", PUBLIC, in_openapi=False),
    E("monitor", "GET", "/meta", HR, statuses={"hr:departmental": 403}),
    E("monitor", "GET", "/stream", HR, query={"backlog": 0}),
    E("monitor", "GET", "/timeline/{application_id}", HR, statuses={"hr:departmental": 403}),
    E("monitor", "GET", "/kpis", HR),
    E("monitor", "GET", "/rounds", HR),
    E("monitor", "GET", "/rounds/{round_id}/report", HR, default=404,
      statuses={"hr:departmental": 403}),
    E("monitor", "GET", "/open-data.json", HR),
    E("monitor", "GET", "/open-data.csv", HR),
    # Open data is for anyone, signed in or not. The world has no released period, so the
    # release routes are asked about a malformed one (422 naming `period`).
    E("monitor", "GET", "/open-data/releases", PUBLIC),
    E("monitor", "POST", "/open-data/releases", HR, default=409, body={"period": "2099-Q1"},
      statuses={"hr:departmental": 403}),
    E("monitor", "GET", "/open-data/releases/{period}", PUBLIC, default=422,
      ids={"period": "dead_letter_id"}),
    E("monitor", "GET", "/open-data/releases/{period}/{file}", PUBLIC, default=422,
      ids={"period": "dead_letter_id", "file": "dead_letter_id"}),
    E("monitor", "GET", "/dead-letters", HR),
    E("monitor", "POST", "/dead-letters/{dead_letter_id}/replay", HR, default=404,
      statuses={"hr:departmental": 403}),
    E("monitor", "POST", "/dead-letters/replay-all", HR),
    # Research extracts: evaluators only (a clear 403 for everyone else); the log, central HR.
    E("monitor", "POST", "/research/extracts", EVALUATOR, default=201,
      body={"purpose": "security walk"}),
    E("monitor", "GET", "/research/extracts", EVALUATOR),
    # No extract has this id (the world's application id): not found, even for evaluators.
    E("monitor", "GET", "/research/extracts/{extract_id}", EVALUATOR, default=404,
      ids={"extract_id": "application_id"}),
    E("monitor", "GET", "/research/extracts/{extract_id}/{file}", EVALUATOR, default=422,
      ids={"extract_id": "application_id", "file": "dead_letter_id"}),
    E("monitor", "GET", "/research/extract-log", HR),
    E("monitor", "GET", "/kpi-targets", HR),
    E("monitor", "POST", "/kpi-targets", HR, default=201,
      body={"kpi": "fill_rate", "target": 60, "from_period": "2026-Q1"}),
    E("monitor", "GET", "/kpi-targets/series", HR),
]

# Phase 1: the placement's life, then the object owners' destructive calls. Callers are
# walked wrong roles first, then intruders, then allowed principals in PRINCIPALS order, so
# the first allowed caller changes the state and later ones see the result.
LIFECYCLE = [
    E("approval", "POST", "/placements/{placement_id}/start", HOST_OR_HR, default=404,
      statuses={"host": 200, "hr": 409}, body=to_json(StartIn()),
      phase=1),
    E("approval", "POST", "/placements/{placement_id}/extend", HOST_OR_HR, default=404,
      statuses={"host": 200, "hr": 422}, body=to_json(ExtendIn(new_end_date="2027-12-01")),
      phase=1),
    E("approval", "POST", "/placements/{placement_id}/end", PARTIES, default=404,
      statuses={"applicant": 200, "host": 409, "hr": 409}, phase=1,
      body=to_json(EndIn(outcome="completed", placee_rating=5))),  # today: not in the future
    # Once ended, the placee and the host each give their own feedback, once.
    E("approval", "POST", "/placements/{placement_id}/feedback", FEEDBACK_GIVERS, default=404,
      statuses={"applicant": 201, "host": 201}, body=FEEDBACK, phase=1),
    # Ended placements can no longer be withdrawn from.
    E("applicant", "POST", "/applications/{application_id}/withdraw", APPLICANT, default=404,
      statuses={"applicant": 409}, body=to_json(WithdrawIn(reason="changed my mind")),
      phase=1),
    E("matching", "POST", "/opportunities/{opportunity_id}/close", HOST, default=404,
      statuses={"host": 200}, body=to_json(CloseIn(reason="filled")), phase=1),
    E("notification", "DELETE", "/webhooks/{webhook_id}", HOST, default=404,
      statuses={"host": 204}, phase=1),
    E("notification", "POST", "/webhooks", HOST, default=201,
      body=to_json(WebhookIn(url=HOOK_URL)), phase=1),
    # Erasure, last: central HR erases another applicant on request; departmental HR hears
    # of no such applicant. Then the owner erases themself.
    E("applicant", "POST", "/applicants/{applicant_id}/erase", HR, default=204,
      statuses={"hr:departmental": 404}, ids={"applicant_id": "erasable_applicant_id"},
      phase=1),
    E("applicant", "DELETE", "/applicants/me", APPLICANT, default=204, phase=1),
]

MATRIX: list[Endpoint] = [*OPS, *APPLICANT_SERVICE, *MATCHING_SERVICE, *APPROVAL_SERVICE,
                          *NOTIFICATION_SERVICE, *MONITOR_SERVICE, *LIFECYCLE]


def role_of(principal: str) -> str:
    return (PRINCIPALS | INTRUDERS)[principal][1]
