"""Settings every service reads, each under its own env prefix (APPLICANT_, MATCHING_, ...)."""

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-signing-key-change-me-in-production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    # PLAINTEXT on loopback by default. SASL_PLAINTEXT (or SASL_SSL) with this service's own
    # SCRAM principal against a broker that enforces ACLs: `deploy/local/kafka.py start --sasl`.
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-256"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # Tests give each run its own topic namespace so parallel suites never read each other.
    topic_prefix: str = ""
    database_url: str = "postgresql://bps@127.0.0.1:15432/postgres"
    db_pool_min: int = Field(default=1, ge=1)
    db_pool_max: int = Field(default=10, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8100, ge=1, le=65535)
    jwt_dev_secret: str | None = DEV_JWT_SECRET
    jwks_url: str | None = None
    jwt_issuer: str = "bps-dev"
    jwt_audience: str = "bps"
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024
    outbox_poll_seconds: float = 0.2
    outbox_batch_size: int = 500
    outbox_retention_hours: float = 24.0
    # A handler that raises this many times in a row sends the message to the DLQ.
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = 0.05
    # Records applied per transaction, and how long an idle poll waits (its added latency).
    consumer_batch_size: int = Field(default=100, ge=1)
    consumer_batch_wait_ms: int = Field(default=10, ge=1)
    write_rate_per_minute: int = 600

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL") and not (
                self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("kafka_security_protocol SASL_* needs kafka_sasl_username and "
                             "kafka_sasl_password (this service's own principal)")
        return self

    def kafka_auth(self) -> dict[str, str]:
        """aiokafka client options for the broker's security protocol."""
        if not self.kafka_security_protocol.startswith("SASL"):
            return {"security_protocol": self.kafka_security_protocol}
        return {"security_protocol": self.kafka_security_protocol,
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username or "",
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value()
                if self.kafka_sasl_password else ""}

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
