"""The rules of integrity after return: how long a returning person's conditions last and what
they cover. Pure values and functions; no I/O.

The idea comes from the Civil Service's business appointment rules: someone who has worked
closely with an outside organisation should not, for a while after, take decisions that could
favour it, and the more senior they are, the longer that while. Here it is applied to a
placement: a civil servant back from industry may not decide on the former host's procurement,
regulation or grants, nor approve placements with it, for a period set by grade. An industry
expert back at their employer gives a confidentiality undertaking about what they learnt in
government, for a fixed period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from approval.domain import add_months
from contracts import (
    INWARD,
    OUTWARD,
    RESTRICTED_DECISIONS,
    Grade,
    RestrictedDecision,
    ReturnConditionKind,
    Scheme,
)

G = Grade
# Months of restriction after the placement ends, by grade: longer the more senior.
RESTRICTION_MONTHS: dict[Grade, int] = {
    G.AA: 3, G.AO: 3, G.EO: 3, G.HEO: 3,
    G.SEO: 6, G.G7: 6,
    G.G6: 12,
    G.SCS1: 12, G.SCS2: 18, G.SCS3: 24,
}
# A grade nobody gave gets the longest period: missing data never shortens a restriction.
UNKNOWN_GRADE_MONTHS = max(RESTRICTION_MONTHS.values())
CONFIDENTIALITY_MONTHS = 24

# The schemes that send civil servants out (to industry, or diplomats to SMEs abroad).
OUTWARD_SCHEMES = frozenset({Scheme.INDUSTRY, Scheme.DIPLOMATIC})
CONFIDENTIALITY = ("Information learnt on the placement that the department has not "
                   "published: policy in development, other firms' commercial information and "
                   "anything security-classified. Not to be used for or shared with the "
                   "employer.")


@dataclass(frozen=True)
class Conditions:
    kind: ReturnConditionKind
    restricted_until: date
    restricted_decisions: tuple[RestrictedDecision, ...] = ()
    confidentiality: str | None = None


def restriction_months(grade: Grade | None) -> int:
    return RESTRICTION_MONTHS[grade] if grade is not None else UNKNOWN_GRADE_MONTHS


def conditions_for(scheme: Scheme, grade: Grade | None, ended_on: date) -> Conditions:
    """What a placement of this scheme, ending on `ended_on`, leaves its person bound by."""
    if Scheme(scheme) in OUTWARD_SCHEMES:
        return Conditions(OUTWARD, add_months(ended_on, restriction_months(grade)),
                          RESTRICTED_DECISIONS)
    return Conditions(INWARD,
                      add_months(ended_on, CONFIDENTIALITY_MONTHS),
                      confidentiality=CONFIDENTIALITY)

