"""Settings every service reads, each under its own env prefix (APPLICANT_, MATCHING_, ...)."""

import ssl
from typing import Annotated, Any, Literal, Self

from aiokafka.helpers import create_ssl_context
from pydantic import Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-signing-key-change-me-in-production"
DEV_JWT_ISSUER = "bps-dev"
# Where the dev signing key may be used. Anything else (the default) needs a real identity
# provider, so a deployment that forgot its configuration refuses to start instead of accepting
# tokens anyone can mint with the key published in this repository.
DEV_KEY_ENVIRONMENTS = ("local", "test")

# A TCP port number, for every *_port setting.
Port = Annotated[int, Field(ge=1, le=65535)]


def local_database(name: str) -> str:
    """A database on the local PostgreSQL (`make infra`): each service's default."""
    return f"postgresql://bps@127.0.0.1:15432/{name}"


class ServiceSettings(BaseSettings):
    # populate_by_name: `environment="test"` works as a keyword as well as through BPS_ENV.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    service_name: str = "service"
    # One variable for the whole deployment, without a service prefix: `make run` sets local,
    # the test fixtures test. Unset means production.
    environment: Literal["local", "test", "production"] = Field(
        default="production", validation_alias="BPS_ENV")
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    # PLAINTEXT on loopback by default. SASL_PLAINTEXT (or SASL_SSL) with this service's own
    # SCRAM principal against a broker that enforces ACLs: `deploy/local/kafka.py start --sasl`.
    # SSL and SASL_SSL verify the broker's certificate against kafka_ssl_cafile (the system's
    # CAs when unset); a certificate and key make it mutual TLS (deploy/local/tls.py).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = \
        "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-256"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: FilePath | None = None
    kafka_ssl_certfile: FilePath | None = None
    kafka_ssl_keyfile: FilePath | None = None
    kafka_ssl_key_password: SecretStr | None = None
    # Tests give each run its own topic namespace so parallel suites never read each other.
    topic_prefix: str = ""
    database_url: str = local_database("postgres")
    db_pool_min: int = Field(default=1, ge=1)
    db_pool_max: int = Field(default=10, ge=1)
    # Unset: migrate at start in local/test only. A deployment runs `python -m <service>
    # migrate` once (a Job / Helm hook) instead of every pod racing to migrate.
    migrate_on_start: bool | None = None
    http_host: str = "127.0.0.1"
    http_port: Port = 8100
    # Filled with DEV_JWT_SECRET in local/test when no JWKS URL is set; refused in production.
    jwt_dev_secret: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str = DEV_JWT_ISSUER
    jwt_audience: str = "bps"
    log_level: str = "INFO"
    max_body_bytes: int = 64 * 1024
    outbox_poll_seconds: float = 0.2
    outbox_batch_size: int = 500
    outbox_retention_hours: float = 24.0
    # Inbox rows older than this are purged (shared.inbox_purge). Unset: the longest time a
    # catalogue event can come back (a dead letter's replay window, contracts.topics) plus a
    # day; shorter would let a replayed or rewound event be applied twice.
    inbox_retention_hours: float | None = Field(default=None, gt=0)
    inbox_purge_batch_size: int = Field(default=5000, ge=1)
    inbox_purge_poll_seconds: float = Field(default=600.0, gt=0)
    # A handler that raises this many times in a row sends the message to the DLQ.
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = 0.05
    # Records applied per transaction, and how long an idle poll waits (its added latency).
    consumer_batch_size: int = Field(default=100, ge=1)
    consumer_batch_wait_ms: int = Field(default=10, ge=1)
    write_rate_per_minute: int = 600
    # How often the gauges that need a query (consumer lag, outbox backlog, service gauges)
    # are read: shared.metrics_refresh.
    metrics_refresh_seconds: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL") and not (
                self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError("kafka_security_protocol SASL_* needs kafka_sasl_username and "
                             "kafka_sasl_password (this service's own principal)")
        return self

    @model_validator(mode="after")
    def _tls_files_fit_the_protocol(self) -> Self:
        files = {"kafka_ssl_cafile": self.kafka_ssl_cafile,
                 "kafka_ssl_certfile": self.kafka_ssl_certfile,
                 "kafka_ssl_keyfile": self.kafka_ssl_keyfile}
        given = [name for name, value in files.items() if value is not None]
        if given and not self.kafka_security_protocol.endswith("SSL"):
            # Silently ignoring them would send everything in clear text.
            raise ValueError(f"{', '.join(given)} set but kafka_security_protocol is "
                             f"{self.kafka_security_protocol}: use SSL or SASL_SSL")
        if self.kafka_ssl_keyfile and not self.kafka_ssl_certfile:
            raise ValueError("kafka_ssl_keyfile needs kafka_ssl_certfile (the client "
                             "certificate it belongs to)")
        return self

    @property
    def migrates_on_start(self) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        return self.environment in DEV_KEY_ENVIRONMENTS

    @model_validator(mode="after")
    def _dev_key_only_locally(self) -> Self:
        if self.environment in DEV_KEY_ENVIRONMENTS:
            if self.jwt_dev_secret is None and not self.jwks_url:
                self.jwt_dev_secret = DEV_JWT_SECRET
            return self
        if self.jwt_dev_secret:
            raise ValueError(
                f"jwt_dev_secret is refused in environment {self.environment!r}: the dev "
                "signing key is for BPS_ENV=local or test only. Set jwks_url and jwt_issuer "
                "(your identity provider's) instead, each with this service's env prefix")
        if self.jwks_url and self.jwt_issuer == DEV_JWT_ISSUER:
            raise ValueError(f"jwt_issuer is still the dev issuer {DEV_JWT_ISSUER!r}: set it "
                             "to your identity provider's issuer (the `iss` of its tokens)")
        return self

    def kafka_auth(self) -> dict[str, Any]:
        """aiokafka client options for the broker's security protocol (with an SSL context
        for SSL and SASL_SSL)."""
        auth: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol.endswith("SSL"):
            auth["ssl_context"] = self.kafka_ssl_context()
        if self.kafka_security_protocol.startswith("SASL"):
            auth |= {"sasl_mechanism": self.kafka_sasl_mechanism,
                     "sasl_plain_username": self.kafka_sasl_username or "",
                     "sasl_plain_password": self.kafka_sasl_password.get_secret_value()
                     if self.kafka_sasl_password else ""}
        return auth

    def kafka_ssl_context(self) -> ssl.SSLContext:
        """Verifies the broker's certificate and host name; presents ours when configured."""
        password = self.kafka_ssl_key_password
        return create_ssl_context(
            cafile=self.kafka_ssl_cafile, certfile=self.kafka_ssl_certfile,
            keyfile=self.kafka_ssl_keyfile,
            password=password.get_secret_value() if password else None)

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


class TopicSettings(BaseSettings):
    """How the topic bootstrap (shared.kafka.ensure_topics) lays out the catalogue's topics on
    a given cluster: `BPS_TOPIC_REPLICATION_FACTOR`, `BPS_TOPIC_MIN_INSYNC_REPLICAS`,
    `BPS_TOPIC_PARTITIONS`. Never guessed from the bootstrap addresses (one address can front
    a whole cluster). The defaults fit the single local broker (`make run`, the tests, Docker
    Compose); a cluster sets 3 and 2, as the Helm chart's KafkaTopics do (kafka.* values)."""

    model_config = SettingsConfigDict(env_prefix="BPS_TOPIC_", extra="ignore")

    replication_factor: int = Field(default=1, ge=1)
    min_insync_replicas: int = Field(default=1, ge=1)
    # Partitions of the main topics; unset: the catalogue's (contracts.topics.PARTITIONS, 12).
    # The test suite sets fewer: its thousands of throw-away topics share one broker, which
    # maps two index files per partition (docs/architecture.md §3).
    partitions: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _min_isr_fits(self) -> Self:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(f"min_insync_replicas {self.min_insync_replicas} exceeds "
                             f"replication_factor {self.replication_factor}: no write could "
                             "ever be acknowledged")
        return self
