"""Wire vocabularies. Member value = the string on the wire. Shapes only: which approval chain
a scheme uses, or which grade a post needs, is a service's business rule, not a contract."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from contracts.countries import Country

__all__ = [
    "ApplicantKind",
    "ApprovalStage",
    "Clearance",
    "Country",
    "DeliveryStatus",
    "Grade",
    "InterestKind",
    "NotificationChannel",
    "PlacementOutcome",
    "RejectionReason",
    "Scheme",
    "Sector",
    "UKRegion",
]


class Scheme(StrEnum):
    INDUSTRY = "industry"  # outward: civil servant into a business
    GOVERNMENT = "government"  # inward: industry professional into a department
    DIPLOMATIC = "diplomatic"  # Diplomatic Advisory Hub: diplomat into an SME abroad


class ApplicantKind(StrEnum):
    CIVIL_SERVANT = "civil_servant"
    INDUSTRY_PROFESSIONAL = "industry_professional"
    DIPLOMAT = "diplomat"


class Sector(StrEnum):
    """The eight high-growth sectors of the Modern Industrial Strategy (2025)."""

    ADVANCED_MANUFACTURING = "advanced_manufacturing"
    CLEAN_ENERGY = "clean_energy"
    CREATIVE_INDUSTRIES = "creative_industries"
    DIGITAL_AND_TECHNOLOGIES = "digital_and_technologies"
    FINANCIAL_SERVICES = "financial_services"
    DEFENCE = "defence"
    LIFE_SCIENCES = "life_sciences"
    PROFESSIONAL_AND_BUSINESS_SERVICES = "professional_and_business_services"


class _Ranked(StrEnum):
    """A str enum whose comparisons follow declaration order, not the alphabet.

    str's own comparisons would say "G6" < "G7" < "HEO" < "SCS1", which is wrong for grades.
    """

    @property
    def rank(self) -> int:
        return list(type(self)).index(self)

    def _cmp(self, other: Any) -> int:
        if not isinstance(other, type(self)):
            return NotImplemented  # type: ignore[return-value]
        return self.rank - other.rank

    def __lt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return c if c is NotImplemented else c < 0

    def __le__(self, other: Any) -> bool:
        c = self._cmp(other)
        return c if c is NotImplemented else c <= 0

    def __gt__(self, other: Any) -> bool:
        c = self._cmp(other)
        return c if c is NotImplemented else c > 0

    def __ge__(self, other: Any) -> bool:
        c = self._cmp(other)
        return c if c is NotImplemented else c >= 0


class Grade(_Ranked):
    """Civil service grades, most junior first: `Grade.EO < Grade.G7`, `max(grades)` works."""

    AA = "AA"
    AO = "AO"
    EO = "EO"
    HEO = "HEO"
    SEO = "SEO"
    G7 = "G7"
    G6 = "G6"
    SCS1 = "SCS1"
    SCS2 = "SCS2"
    SCS3 = "SCS3"

    def within(self, low: Grade | None, high: Grade | None) -> bool:
        """True when low <= self <= high; a missing bound is open."""
        return (low is None or low <= self) and (high is None or self <= high)


class Clearance(_Ranked):
    """National security vetting levels, weakest first: `Clearance.SC < Clearance.DV`."""

    NONE = "none"
    BPSS = "BPSS"
    SC = "SC"
    DV = "DV"

    def covers(self, needed: Clearance) -> bool:
        return self >= needed


class UKRegion(StrEnum):
    """The 12 ITL1 regions of the UK, by their official names."""

    NORTH_EAST = "North East"
    NORTH_WEST = "North West"
    YORKSHIRE_AND_THE_HUMBER = "Yorkshire and The Humber"
    EAST_MIDLANDS = "East Midlands"
    WEST_MIDLANDS = "West Midlands"
    EAST_OF_ENGLAND = "East of England"
    LONDON = "London"
    SOUTH_EAST = "South East"
    SOUTH_WEST = "South West"
    WALES = "Wales"
    SCOTLAND = "Scotland"
    NORTHERN_IRELAND = "Northern Ireland"


class ApprovalStage(StrEnum):
    LINE_MANAGER = "line_manager"
    DEPARTMENTAL_HR = "departmental_hr"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    HOST_ACCEPTANCE = "host_acceptance"
    RELEASING_EMPLOYER = "releasing_employer"
    HOST_DEPARTMENT = "host_department"
    SECURITY_VETTING = "security_vetting"
    FCDO_POST = "fcdo_post"
    BCC_ENDORSEMENT = "bcc_endorsement"
    SME_ACCEPTANCE = "sme_acceptance"


class RejectionReason(StrEnum):
    REFUSED = "refused"  # an approver said no
    DECLINED = "declined"  # the host turned the candidate down
    EXPIRED = "expired"  # a deadline passed (SLA, closing date, capacity gone)
    WITHDRAWN = "withdrawn"  # the applicant withdrew


class PlacementOutcome(StrEnum):
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"


class InterestKind(StrEnum):
    """The kind of dealings an applicant declares with an organisation (conflict of interest)."""

    PROCUREMENT = "procurement"
    REGULATION = "regulation"
    POLICY = "policy"


class NotificationChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    INBOX = "inbox"


class DeliveryStatus(StrEnum):
    """Delivery states, named as GOV.UK Notify names them."""

    CREATED = "created"
    SENDING = "sending"
    DELIVERED = "delivered"
    TEMPORARY_FAILURE = "temporary-failure"
    PERMANENT_FAILURE = "permanent-failure"
    TECHNICAL_FAILURE = "technical-failure"
