"""Web settings (env prefix WEB_). Production points the OIDC settings at GOV.UK One Login or a
department's Entra ID; locally at the mock provider (python -m web.devoidc run)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # services/web


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WEB_", extra="ignore")

    service_name: str = "web"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8106, ge=1, le=65535)
    log_level: str = "INFO"
    # Where people reach this service; links in pages and the OIDC redirect URI derive from it.
    public_url: str = "http://127.0.0.1:8106"
    oidc_issuer: str = "http://127.0.0.1:8107/bps"
    oidc_client_id: str = "bps-web"
    oidc_client_secret: SecretStr = SecretStr("local-dev-secret")
    oidc_scope: str = "openid profile email"
    # The services' public APIs, called with the signed-in person's access token.
    applicant_url: str = "http://127.0.0.1:8101"
    matching_url: str = "http://127.0.0.1:8102"
    # Approvers' task lists, stages and decisions; hosts' placements; HR's reassignments.
    approval_url: str = "http://127.0.0.1:8103"
    notification_url: str = "http://127.0.0.1:8104"
    # Central HR's monitor page calls the monitor with the HR person's own token.
    monitor_url: str = "http://127.0.0.1:8105"
    # An open live stream waits this long for a byte (the monitor pings every 15 s).
    stream_read_seconds: float = Field(default=60.0, gt=0)
    api_timeout_seconds: float = Field(default=10.0, gt=0)
    # A session unused this long is over; the person signs in again and returns to the page.
    session_idle_minutes: float = Field(default=30.0, gt=0)
    max_sessions: int = Field(default=100_000, ge=1)
    # Behind TLS the cookie is Secure (set by default when public_url is https).
    secure_cookies: bool | None = None
    assets_dir: Path = PACKAGE_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"

    @property
    def cookie_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.public_url.startswith("https://")

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_url}/auth/callback"
