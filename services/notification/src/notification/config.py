"""Notification settings (env prefix NOTIFICATION_)."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict
from shared.auth import mint_dev_token
from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATION_", extra="ignore")

    service_name: str = "notification"
    http_port: int = Field(default=8104, ge=1, le=65535)

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_sender: str = "notifications@placements.example"
    # Used when the contact directory has no address: {name} is the user id, or
    # "<role>.<org>" for an organisation's role (e.g. host.acme), or the role alone (hr).
    default_email_pattern: str = "{name}@placements.example"

    # The web service where people act on what a message tells them; every link points there.
    web_base_url: str = "http://127.0.0.1:8106"

    # Delivery worker.
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    worker_batch_size: int = Field(default=50, ge=1)
    send_timeout_seconds: float = Field(default=10.0, gt=0)
    # A row still `sending` this long after its claim belonged to a process that died mid-send;
    # it becomes technical-failure and is never sent again (it may have been delivered).
    stuck_after_seconds: float = Field(default=60.0, gt=0)
    # On shutdown (SIGTERM) the round in flight may finish its sends and record their outcomes
    # for this long; no new claims are made. Past it the round is cancelled: a send cut
    # mid-conversation stays `sending` and the stuck-row rule above settles it (in doubt).
    # Keep it above send_timeout_seconds and, with the HTTP drain and the relay's last flush
    # (5 s each), under the pod's termination grace period (30 s by default on Kubernetes).
    shutdown_grace_seconds: float = Field(default=15.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=2.0, ge=0)
    retry_cap_seconds: float = Field(default=300.0, ge=0)
    # An applicant's address comes with their application, on another topic, and under faults
    # can arrive long after a message to them (e.g. NoMatchFound). Such an email waits for it
    # without spending attempts, looking again every `address_recheck_seconds`, and fails
    # permanently once `address_window_seconds` have passed since the message was created.
    address_recheck_seconds: float = Field(default=5.0, gt=0)
    address_window_seconds: float = Field(default=3600.0, gt=0)

    # Per recipient and channel: a burst of `rate_burst`, then `rate_per_minute`.
    rate_per_minute: float = Field(default=30.0, gt=0)
    rate_burst: float = Field(default=10.0, ge=1)

    # The applicant service, which hands out data keys to open sealed contact details.
    applicant_url: str = "http://127.0.0.1:8101"
    # This service's bearer token for it (client credentials in production); locally, minted
    # from the dev key for the principal below.
    service_token: str | None = None
    service_principal: str = "svc:notification"

    def applicant_token(self) -> str:
        if self.service_token:
            return self.service_token
        if not self.jwt_dev_secret:
            raise ValueError("set NOTIFICATION_SERVICE_TOKEN: no dev key to mint one with")
        return mint_dev_token(self.service_principal, [], secret=self.jwt_dev_secret,
                              issuer=self.jwt_issuer, audience=self.jwt_audience,
                              ttl_seconds=300)

    @model_validator(mode="after")
    def _stuck_outlives_a_send(self) -> "NotificationSettings":
        if self.stuck_after_seconds <= self.send_timeout_seconds:
            raise ValueError("stuck_after_seconds must be longer than send_timeout_seconds, "
                             "or a send still in flight would be declared stuck")
        return self
