"""A generated population for the research-extract tests: groups of applicants alike in every
quasi-identifier, a group that differs only in grade, and one applicant unlike anyone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from contracts.examples import example

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationWithdrawn,
    FollowUpLapsed,
    Grade,
    NoMatchFound,
    OpportunityPublished,
    OutcomeRecorded,
    PlacementConfirmed,
    Scheme,
)

AT = datetime(2026, 5, 14, 10, 30, tzinfo=UTC)
LATER = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
NAME, EMAIL = "Imogen Quartermaine", "imogen.quartermaine@dbt.gov.uk"


def applicant_id(n: int) -> str:
    # Ids that are themselves personal (people's sign-in names): none may reach an extract.
    return f"imogen.quartermaine.{n}.{uuid.uuid4().hex[:6]}"


def submitted(n: int, **fields) -> ApplicationSubmitted:
    app = uuid.uuid4()
    return example(ApplicationSubmitted, application_id=app, correlation_id=app,
                   applicant_id=applicant_id(n), applicant_name=f"{NAME} {n}",
                   applicant_email=f"{n}.{EMAIL}", occurred_at=AT, **fields)


def later(cls, first: ApplicationSubmitted, occurred_at: datetime = LATER,
          **fields):
    return example(cls, application_id=first.application_id,
                   correlation_id=first.correlation_id, applicant_id=first.applicant_id,
                   scheme=first.scheme, occurred_at=occurred_at, **fields)


class World:
    def __init__(self) -> None:
        opp = uuid.uuid4()
        self.opportunity = example(OpportunityPublished, opportunity_id=opp,
                                   correlation_id=opp, host_staff_count=40, occurred_at=AT)
        self.placed = [submitted(i) for i in range(6)]
        self.unmatched = [submitted(10 + i) for i in range(5)]
        # Alike the unmatched but each of another grade: each stands out until grade is hidden.
        self.odd_grades = [submitted(20 + i, grade=g) for i, g in enumerate(
            (Grade.AA, Grade.AO, Grade.EO, Grade.HEO, Grade.SEO))]
        self.unique = submitted(30, scheme=Scheme.DIPLOMATIC, grade=Grade.SCS3)
        self.withdrawn_then_erased = submitted(40)

    def events(self) -> list:
        out = [self.opportunity]
        answers = []
        for s in self.placed:
            answers.append(later(OutcomeRecorded, s, follow_up_id=uuid.uuid4()))
            out += [s, later(PlacementConfirmed, s, placement_id=uuid.uuid4(),
                             opportunity_id=self.opportunity.opportunity_id), answers[-1]]
        # A second answer to the same follow-up: the first counts.
        first = answers[0]
        out.append(later(OutcomeRecorded, self.placed[0], follow_up_id=first.follow_up_id,
                         occurred_at=AT.replace(day=25), answers={
                             **first.answers.model_dump(), "situation": "not_working"}))
        for s in [*self.unmatched, *self.odd_grades, self.unique]:
            out += [s, later(NoMatchFound, s)]
        for s in self.unmatched:
            out.append(later(FollowUpLapsed, s, follow_up_id=uuid.uuid4(), cohort="comparison",
                             left_because="unmatched"))
        gone = self.withdrawn_then_erased
        out += [gone, later(ApplicationWithdrawn, gone),
                example(ApplicantErased, applicant_id=gone.applicant_id,
                        application_ids=(gone.application_id,), occurred_at=AT.replace(day=21))]
        return out

    def submissions(self) -> list[ApplicationSubmitted]:
        return [*self.placed, *self.unmatched, *self.odd_grades, self.unique,
                self.withdrawn_then_erased]
