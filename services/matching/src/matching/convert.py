"""Between stored rows / events and the pure core's plain objects. No I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic_core import to_json

from contracts import FilterCheck, ScoreFactor
from matching.domain import (
    CLEARANCE_RANK,
    GRADE_RANK,
    Applicant,
    Check,
    Explanation,
    Factor,
    Opportunity,
)

# The ApplicationSubmitted fields matching keeps (no names, no emails).
APPLICATION_FIELDS = (
    "application_id", "applicant_id", "scheme", "applicant_kind", "organisation_id", "grade",
    "clearance_held", "skills", "sectors", "preferred_regions", "preferred_countries",
    "earliest_start", "desired_length_months", "declared_interests", "opportunity_id",
    "line_manager_id")


Part = tuple[ScoreFactor | FilterCheck, bytes]  # validated, and as its model writes it


def _norm(skills: Any) -> frozenset[str]:
    return frozenset(s.strip().casefold() for s in skills or ())


def to_applicant(d: dict[str, Any]) -> Applicant:
    interests = d.get("declared_interests") or ()
    return Applicant(
        id=str(d["application_id"]), scheme=d["scheme"], kind=d["applicant_kind"],
        clearance=CLEARANCE_RANK[d.get("clearance_held") or "none"],
        grade=GRADE_RANK[d["grade"]] if d.get("grade") else None,
        skills=_norm(d.get("skills")), sectors=frozenset(d.get("sectors") or ()),
        regions=frozenset(d.get("preferred_regions") or ()),
        countries=frozenset(d.get("preferred_countries") or ()),
        earliest_start=_date(d["earliest_start"]), desired_months=d["desired_length_months"],
        interest_orgs=frozenset(i["organisation_id"] for i in interests
                                if i.get("organisation_id")),
        interest_names=frozenset(i["organisation_name"].casefold() for i in interests
                                 if i.get("organisation_name")),
        only_opportunity=str(d["opportunity_id"]) if d.get("opportunity_id") else None)


def to_opportunity(d: dict[str, Any], places_left: int) -> Opportunity:
    return Opportunity(
        id=str(d["opportunity_id"]), host_org_id=d["host_org_id"], host_name=d["host_name"],
        scheme=d["scheme"], sector=d["sector"], country=d["country"], region=d.get("region"),
        required_skills=_norm(d.get("required_skills")),
        desired_skills=_norm(d.get("desired_skills")),
        window_from=_date(d["start_window_from"]), window_to=_date(d["start_window_to"]),
        months=d["length_months"],
        grade_min=GRADE_RANK[d["grade_min"]] if d.get("grade_min") else None,
        grade_max=GRADE_RANK[d["grade_max"]] if d.get("grade_max") else None,
        clearance=CLEARANCE_RANK[d.get("clearance_needed") or "none"], places=places_left)


def explanation_json(e: Explanation) -> dict[str, Any]:
    return {"score": round(e.score, 6), "factors": [factor_json(f) for f in e.factors],
            "filters_checked": [check_json(c) for c in e.checks]}


def factor_json(f: Factor) -> dict[str, Any]:
    return {"name": f.name, "weight": f.weight, "raw_score": round(f.raw, 6),
            "contribution": round(f.contribution, 6)}


def check_json(c: Check) -> dict[str, Any]:
    return {"name": c.name, "passed": c.passed, "detail": c.detail}


class Explanations:
    """A round's explanations, as JSON (for the proposal's row and the event alike) and, when
    asked, as the event's validated parts. Tens of thousands of explanations share a few
    thousand distinct factors and checks, so each distinct part is validated against the
    contract and serialised (as its model serialises itself) once; an explanation is then
    assembled from finished parts."""

    def __init__(self) -> None:
        self._by_value: dict[Factor | Check, Part] = {}
        # domain.explain mostly hands out the same (cached) instances: looking those up by
        # identity skips hashing their fields. Each entry keeps its instance alive, so an id
        # is never reused for another part while this object lives.
        self._by_id: dict[int, tuple[Factor | Check, Part]] = {}

    def parts_json(self, e: Explanation) -> bytes:
        """`"factors":[...],"filters_checked":[...]`: MatchExplanation's fields, as the model
        writes them."""
        factors = b",".join([self._part(f, factor_json, ScoreFactor)[1] for f in e.factors])
        checks = b",".join([self._part(c, check_json, FilterCheck)[1] for c in e.checks])
        return b'"factors":[' + factors + b'],"filters_checked":[' + checks + b"]"

    def contract(self, e: Explanation) -> dict[str, Any]:
        """The event's explanation as validated parts."""
        return {"factors": tuple(self._part(f, factor_json, ScoreFactor)[0] for f in e.factors),
                "filters_checked": tuple(self._part(c, check_json, FilterCheck)[0]
                                         for c in e.checks)}

    def _part(self, part: Factor | Check, as_json: Callable[[Any], dict[str, Any]],
              model: type[ScoreFactor | FilterCheck]) -> Part:
        known = self._by_id.get(id(part))
        if known is not None:
            return known[1]
        done = self._by_value.get(part)
        if done is None:
            valid = model.model_validate(as_json(part))
            done = self._by_value[part] = (valid, to_json(valid))
        self._by_id[id(part)] = (part, done)
        return done


def proposal_explanation(e: Explanation, parts_json: bytes) -> bytes:
    """The proposal row's explanation (explanation_json's content) from its parts' JSON."""
    # repr is json.dumps for a finite float (a score always is), without its overhead
    return b'{"score":' + repr(round(e.score, 6)).encode() + b"," + parts_json + b"}"


def explanation_contract(data: dict[str, Any]) -> dict[str, Any]:
    """The event's explanation as plain data: the event validates it in one pass (building
    nested models one by one cost seconds per 50k proposals)."""
    return {"factors": data["factors"], "filters_checked": data["filters_checked"]}


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
