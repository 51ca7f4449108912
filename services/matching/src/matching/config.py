"""Matching settings (env prefix MATCHING_): score weights, filter tolerances, round size."""

from pydantic import Field
from shared.settings import Port, ServiceSettings, local_database

from matching.domain import Weights


class MatchingSettings(ServiceSettings, env_prefix="MATCHING_"):
    service_name: str = "matching"
    http_port: Port = 8102
    database_url: str = local_database("matching")

    # Score weights (each factor's raw score is in [0, 1]); e.g. MATCHING_WEIGHT_SKILLS=0.5.
    # Defaults: the domain's own Weights.
    weight_skills: float = Field(default=Weights.skills, ge=0)
    weight_sector: float = Field(default=Weights.sector, ge=0)
    weight_location: float = Field(default=Weights.location, ge=0)
    weight_grade: float = Field(default=Weights.grade, ge=0)
    weight_start: float = Field(default=Weights.start, ge=0)
    # Hard filter: offered and desired lengths may differ by at most this many months.
    max_length_gap_months: int = Field(default=3, ge=0, le=11)
    # Each applicant's preference list in a round keeps its best K feasible opportunities.
    round_top_k: int = Field(default=20, ge=1, le=1000)
    # Choices an applicant may rank (PUT /applications/{id}/ranking). An applicant without a
    # list proposes down its round_top_k best feasible opportunities by score instead.
    ranking_limit: int = Field(default=10, ge=1, le=1000)
    # How often each instance looks for a round whose match day has come (durable timer).
    timer_poll_seconds: float = Field(default=5.0, gt=0, le=3600)
    # Off = cohort mode: applications wait for HR's next round instead of an instant proposal.
    continuous_matching: bool = True

    def weights(self) -> Weights:
        return Weights(skills=self.weight_skills, sector=self.weight_sector,
                       location=self.weight_location, grade=self.weight_grade,
                       start=self.weight_start)
