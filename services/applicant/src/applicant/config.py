"""Applicant settings (env prefix APPLICANT_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from shared.settings import ServiceSettings


class ApplicantSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPLICANT_", extra="ignore")

    service_name: str = "applicant"
    http_port: int = Field(default=8101, ge=1, le=65535)
    database_url: str = "postgresql://bps@127.0.0.1:15432/applicant"
    # A stored Idempotency-Key answer is replayed for this long, then forgotten.
    idempotency_retention_hours: float = Field(default=24.0, gt=0)
    # Token subjects of the services allowed to fetch a person's data key to open the sealed
    # contact details in ApplicationSubmitted v2 (client-credentials tokens in production).
    key_readers: list[str] = ["svc:notification"]
