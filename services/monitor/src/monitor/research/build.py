"""Research rows from the monitor's log, as pure functions: one `Person` per applicant, with
their rows of every file (ids still real; pseudonyms come last, in pseudonyms.py).

Only what the log holds (payloads already stripped of the fields contracts mark as PII), and
of that only coded values: no free text (reasons, skills, declared organisations), no ids of
people other than the pseudonymised applicant, no exact dates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from monitor.domain import OUTSIDE_UK, LoggedEvent, in_story_order, next_status
from monitor.opendata.rules import opportunity_at, size_band
from monitor.research.columns import SKILLS

RESULTS = {"withdrawn": "withdrawn", "rejected": "refused", "no_match": "unmatched"}


@dataclass
class Person:
    """One applicant: the unit the suppression rule counts."""

    applicant_id: str
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def month(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)[:7]  # an ISO date or datetime: YYYY-MM


def people(events: Iterable[LoggedEvent], opportunities: Sequence[LoggedEvent],
           schemes: set[str], erased: set[str]) -> list[Person]:
    by_app: dict[UUID, list[LoggedEvent]] = defaultdict(list)
    for e in events:
        if e.application_id is not None:
            by_app[e.application_id].append(e)
    versions = _opportunity_versions(opportunities)
    found: dict[str, Person] = {}
    for app_id, evs in by_app.items():
        story = in_story_order(evs)
        submitted = next((e for e in story if e.event_type == "ApplicationSubmitted"), None)
        if submitted is None:
            continue  # the log never saw the application itself
        applicant = str(submitted.payload.get("applicant_id"))
        if applicant in erased or submitted.payload.get("scheme") not in schemes:
            continue
        person = found.setdefault(applicant, Person(applicant))
        application = _application(app_id, applicant, submitted, story)
        person.rows["applications.csv"].append(application)
        placement = _placement(app_id, applicant, story, versions)
        if placement:
            person.rows["placements.csv"].append(placement)
        person.rows["outcomes.csv"].extend(_outcomes(app_id, applicant, story))
    for person in found.values():
        _comparison(person)
    return list(found.values())


def _application(app_id: UUID, applicant: str, submitted: LoggedEvent,
                 story: list[LoggedEvent]) -> dict[str, Any]:
    p = submitted.payload
    status, closed_at = None, None
    for e in story:
        status = next_status(status, e.event_type)
        if status in RESULTS and closed_at is None:
            closed_at = e.occurred_at
        elif status not in RESULTS:
            closed_at = None
    placed = any(e.event_type == "PlacementConfirmed" for e in story)
    baseline = p.get("baseline") or {}
    consent = p.get("follow_up_consent")
    return {"application": str(app_id), "applicant": applicant, "scheme": p.get("scheme"),
            "applicant_kind": p.get("applicant_kind"), "grade": p.get("grade"),
            "clearance_held": p.get("clearance_held"),
            "desired_length_months": p.get("desired_length_months"),
            "submitted_month": month(submitted.occurred_at),
            "earliest_start_month": month(p.get("earliest_start")),
            "result": "placed" if placed else RESULTS.get(status or "", "in_progress"),
            "home_region": (p.get("home_region") or {}).get("itl1"),
            "follow_up_consent": None if consent is None else ("yes" if consent else "no"),
            **_confidence("baseline", baseline),
            "_closed_month": None if placed else month(closed_at)}


def _confidence(prefix: str, answers: Mapping[str, Any]) -> dict[str, Any]:
    rated = answers.get("skills_confidence") or {}
    return {**{f"{prefix}_{skill}": rated.get(skill) for skill in SKILLS},
            f"{prefix}_intention": answers.get("intention")}


def _outcomes(app_id: UUID, applicant: str, story: list[LoggedEvent]) -> list[dict[str, Any]]:
    """One row per follow-up: its first answer counts; a lapse only when never answered."""
    rows: dict[str, dict[str, Any]] = {}
    for e in story:
        if e.event_type not in ("OutcomeRecorded", "FollowUpLapsed"):
            continue
        p, key = e.payload, str(e.payload.get("follow_up_id"))
        if key in rows and (rows[key]["status"] == "answered"
                            or e.event_type == "FollowUpLapsed"):
            continue
        answered = e.event_type == "OutcomeRecorded"
        answers = p.get("answers") or {}
        rows[key] = {"applicant": applicant, "application": str(app_id),
                     "cohort": p.get("cohort"), "left_because": p.get("left_because"),
                     "months_after": p.get("kind"), "due_month": month(p.get("due_on")),
                     "status": "answered" if answered else "lapsed",
                     "answered_month": month(p.get("answered_on")) if answered else None,
                     **_confidence("follow_up", answers),
                     "situation": answers.get("situation")}
    return list(rows.values())


def _placement(app_id: UUID, applicant: str, story: list[LoggedEvent],
               versions: Mapping[str, list[tuple[Any, Mapping[str, Any]]]]
               ) -> dict[str, Any] | None:
    confirmed = next((e for e in story if e.event_type == "PlacementConfirmed"), None)
    if confirmed is None:
        return None
    p = confirmed.payload
    opp = opportunity_at(versions.get(str(p.get("opportunity_id")), []),
                         confirmed.occurred_at) or {}
    country = str(p.get("country") or "GB")
    row = {"placement": str(p.get("placement_id")), "application": str(app_id),
           "applicant": applicant, "host": str(p.get("host_org_id")), "sector": p.get("sector"),
           "host_region": p.get("region") if country == "GB" else OUTSIDE_UK,
           "host_country": country, "host_size_band": size_band(opp.get("host_staff_count")),
           "confirmed_month": month(confirmed.occurred_at),
           "start_month": month(p.get("start_date")),
           "planned_end_month": month(p.get("end_date")), "ended_month": None,
           "extended": "no", "outcome": None, "host_rating": None, "placee_rating": None}
    for e in story:
        if e.event_type == "PlacementExtended":
            row |= {"extended": "yes", "planned_end_month": month(e.payload.get("new_end_date"))}
        elif e.event_type == "PlacementEnded":
            row |= {"ended_month": month(e.payload.get("ended_on")),
                    "outcome": e.payload.get("outcome"),
                    "host_rating": e.payload.get("host_rating"),
                    "placee_rating": e.payload.get("placee_rating")}
    return row


def _comparison(person: Person) -> None:
    """Never placed, and every application closed: the comparison group (latest closure)."""
    apps = person.rows["applications.csv"]
    if not apps or any(a["result"] in ("placed", "in_progress") for a in apps):
        return
    last = max(apps, key=lambda a: (a["_closed_month"] or "", a["application"]))
    person.rows["comparison_group.csv"].append({
        "applicant": person.applicant_id, "application": last["application"],
        "scheme": last["scheme"], "reason": last["result"],
        "left_month": last["_closed_month"]})


def _opportunity_versions(opportunities: Sequence[LoggedEvent]
                          ) -> dict[str, list[tuple[Any, Mapping[str, Any]]]]:
    versions: dict[str, list[tuple[Any, Mapping[str, Any]]]] = defaultdict(list)
    for e in in_story_order(opportunities):
        if e.event_type in ("OpportunityPublished", "OpportunityAmended"):
            versions[str(e.payload.get("opportunity_id"))].append((e.occurred_at, e.payload))
    return versions
