"""Applicant settings (env prefix APPLICANT_)."""

from pydantic import Field
from shared.settings import Port, ServiceSettings, local_database


class ApplicantSettings(ServiceSettings, env_prefix="APPLICANT_"):
    service_name: str = "applicant"
    http_port: Port = 8101
    database_url: str = local_database("applicant")
    # A stored Idempotency-Key answer is replayed for this long, then forgotten.
    idempotency_retention_hours: float = Field(default=24.0, gt=0)
    # Token subjects of the services allowed to fetch a person's data key to open the sealed
    # contact details in ApplicationSubmitted v2 (client-credentials tokens in production).
    key_readers: list[str] = ["svc:notification"]
    # How often the follow-up timers (6 and 12 months after leaving) are polled.
    follow_up_poll_seconds: float = Field(default=30.0, gt=0)
