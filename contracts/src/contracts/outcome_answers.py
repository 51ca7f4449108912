"""Outcome measurement's vocabulary: the questions asked at application and at each follow-up,
and who is followed up (the events are in events/outcomes.py).

A baseline is asked at application (carried by ApplicationSubmittedV2); follow-ups are asked
6 and 12 months after the applicant left the scheme: the end of their placement (cohort
`placed`) or, for the comparison group, the day they left without one (cohort `comparison`:
unmatched, refused or withdrawn). Only applicants who consented at application are asked.
Answers are structured only (no free text), so none of these fields is personal data.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from contracts.enums import UKRegion
from contracts.envelope import Frozen
from contracts.regions import ITL2Region, itl1_of

__all__ = ["AskedAtApplication", "Baseline", "Cohort", "FollowUpAnswers", "FollowUpKind",
           "HomeRegion", "Intention", "LeftBecause", "RegionBasis", "SkillsConfidence",
           "Situation"]

Likert = Annotated[int, Field(ge=1, le=5, description="1 = not at all confident, "
                                                        "5 = very confident.")]


class Intention(StrEnum):
    """Where the person means to be working in two years."""

    STAY_IN_SECTOR = "stay_in_sector"  # the sector (public or private) they work in now
    MOVE_SECTOR = "move_sector"
    UNDECIDED = "undecided"


class Situation(StrEnum):
    """Where the person works now, asked at each follow-up."""

    SAME_ORGANISATION_SAME_ROLE = "same_organisation_same_role"
    SAME_ORGANISATION_NEW_ROLE = "same_organisation_new_role"
    NEW_ORGANISATION_SAME_SECTOR = "new_organisation_same_sector"
    NEW_ORGANISATION_OTHER_SECTOR = "new_organisation_other_sector"
    NOT_WORKING = "not_working"


class Cohort(StrEnum):
    PLACED = "placed"  # timed from the placement's end
    COMPARISON = "comparison"  # not placed: timed from the day they left the process


class LeftBecause(StrEnum):
    """Why a comparison-group applicant left the process (placed: the placement ended)."""

    PLACEMENT_ENDED = "placement_ended"
    UNMATCHED = "unmatched"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class FollowUpKind(IntEnum):
    """Months after leaving the scheme; the wire value is the number of months."""

    SIX_MONTHS = 6
    TWELVE_MONTHS = 12


class RegionBasis(StrEnum):
    HOME = "home"  # where the applicant lives
    DEPARTMENT = "department"  # where their department or employer's office is


class SkillsConfidence(Frozen):
    """Self-rated confidence, 1-5, on three skills the scheme means to build."""

    commercial_awareness: Likert
    working_across_sectors: Likert
    leading_change: Likert


class Baseline(Frozen):
    """Asked once, at application."""

    skills_confidence: SkillsConfidence
    intention: Intention


class FollowUpAnswers(Frozen):
    """Asked at each follow-up: the baseline's questions again, and the current situation."""

    skills_confidence: SkillsConfidence
    intention: Intention
    situation: Situation


class HomeRegion(Frozen):
    """The applicant's region, so flows between regions can be reported. The ITL2 region when
    given names its ITL1 parent, which must then agree."""

    itl1: UKRegion
    itl2: ITL2Region | None = None
    basis: RegionBasis = RegionBasis.HOME

    @model_validator(mode="after")
    def _nested(self) -> HomeRegion:
        if self.itl2 is not None and itl1_of(self.itl2) != self.itl1:
            raise ValueError(f"itl2 {self.itl2} lies in {itl1_of(self.itl2)}, not {self.itl1}")
        return self


class AskedAtApplication(Frozen):
    """What an application says for outcome measurement: optional, so older clients and
    stored events without it still fit (the request and ApplicationSubmitted v2 both carry it)."""

    home_region: HomeRegion | None = Field(
        default=None, description="The applicant's home region (ITL1, and ITL2 if known), or "
        "their department's: `basis` says which.")
    baseline: Baseline | None = Field(
        default=None, description="Skills confidence (1-5) and intentions, asked once at "
        "application.")
    follow_up_consent: bool | None = Field(
        default=None, description="Agreed to be asked about outcomes 6 and 12 months after "
        "leaving the scheme; only if true are they asked; null when not asked.")
