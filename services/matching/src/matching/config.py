"""Matching settings (env prefix MATCHING_): score weights, filter tolerances, round size."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings

from matching.domain import Weights


class MatchingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")

    service_name: str = "matching"
    http_port: int = Field(default=8102, ge=1, le=65535)
    database_url: str = "postgresql://bps@127.0.0.1:15432/matching"

    # Score weights (each factor's raw score is in [0, 1]); e.g. MATCHING_WEIGHT_SKILLS=0.5.
    weight_skills: float = Field(default=0.40, ge=0)
    weight_sector: float = Field(default=0.20, ge=0)
    weight_location: float = Field(default=0.15, ge=0)
    weight_grade: float = Field(default=0.15, ge=0)
    weight_start: float = Field(default=0.10, ge=0)
    # Hard filter: offered and desired lengths may differ by at most this many months.
    max_length_gap_months: int = Field(default=3, ge=0, le=11)
    # Each applicant's preference list in a round keeps its best K feasible opportunities.
    round_top_k: int = Field(default=20, ge=1, le=1000)
    # Off = cohort mode: applications wait for HR's next round instead of an instant proposal.
    continuous_matching: bool = True

    def weights(self) -> Weights:
        return Weights(skills=self.weight_skills, sector=self.weight_sector,
                       location=self.weight_location, grade=self.weight_grade,
                       start=self.weight_start)
