"""The dev JWT signing key (published in this repository) works only where BPS_ENV says local
or test; a deployment that sets nothing is production and refuses to start without its
identity provider's JWKS URL and issuer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from applicant.app import build_app
from applicant.config import ApplicantSettings
from pydantic import ValidationError
from shared.auth import TokenVerifier, mint_dev_token
from shared.settings import DEV_JWT_SECRET


def verifier(settings: ApplicantSettings) -> TokenVerifier:
    return TokenVerifier(dev_secret=settings.jwt_dev_secret, jwks_url=settings.jwks_url,
                         issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def test_unset_environment_means_production(monkeypatch):
    monkeypatch.delenv("BPS_ENV", raising=False)
    settings = ApplicantSettings()
    assert settings.environment == "production" and settings.jwt_dev_secret is None


@pytest.mark.parametrize("environment", ["local", "test"])
def test_the_dev_key_verifies_dev_tokens_locally_and_in_tests(environment):
    settings = ApplicantSettings(environment=environment)
    assert settings.jwt_dev_secret == DEV_JWT_SECRET
    caller = verifier(settings).verify(mint_dev_token("alice", ["hr"]))
    assert caller.id == "alice" and caller.is_hr


def test_the_dev_key_is_refused_in_production_naming_what_to_set_instead():
    with pytest.raises(ValidationError, match="jwt_dev_secret is refused.*jwks_url and "
                                              "jwt_issuer"):
        ApplicantSettings(environment="production", jwt_dev_secret=DEV_JWT_SECRET)


def test_a_production_app_without_a_jwks_url_does_not_build():
    settings = ApplicantSettings(environment="production")
    with pytest.raises(ValueError, match="APPLICANT_JWKS_URL"):
        build_app(settings)


def test_production_needs_the_identity_providers_issuer_not_the_dev_one():
    with pytest.raises(ValidationError, match="jwt_issuer is still the dev issuer"):
        ApplicantSettings(environment="production", jwks_url="https://idp.example/jwks")
    settings = ApplicantSettings(environment="production", jwks_url="https://idp.example/jwks",
                                 jwt_issuer="https://idp.example/")
    assert settings.jwt_dev_secret is None and verifier(settings).jwks is not None


def test_a_service_started_without_bps_env_exits_naming_the_settings_to_provide():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "BPS_ENV"}
    env["APPLICANT_HTTP_PORT"] = str(port)
    done = subprocess.run([sys.executable, "-m", "applicant"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "APPLICANT_JWKS_URL" in done.stderr and "BPS_ENV=local" in done.stderr
