"""Under `make run` people sign in through the local OIDC provider while scripts (the demo
seed, `make simulate`, `make token`) keep using dev tokens: with the dev key given explicitly
beside a JWKS URL, a service verifies each token with its own key and issuer. Without the dev
key, only the provider's tokens pass."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from applicant.config import ApplicantSettings
from cryptography.hazmat.primitives.asymmetric import rsa
from shared.auth import TokenVerifier, mint_dev_token
from shared.settings import DEV_JWT_SECRET

ISSUER = "http://127.0.0.1/provider"


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[str, rsa.RSAPrivateKey]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/jwks", key
    server.shutdown()


def provider_token(key: rsa.RSAPrivateKey, sub: str) -> str:
    now = int(time.time())
    claims = {"sub": sub, "roles": ["applicant"], "iss": ISSUER, "aud": "bps", "iat": now,
              "exp": now + 300}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def verifier(settings: ApplicantSettings) -> TokenVerifier:
    return TokenVerifier(dev_secret=settings.jwt_dev_secret, jwks_url=settings.jwks_url,
                         issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def test_locally_a_dev_key_beside_the_provider_accepts_both_kinds_of_token(provider):
    jwks_url, key = provider
    settings = ApplicantSettings(environment="local", jwks_url=jwks_url, jwt_issuer=ISSUER,
                                 jwt_dev_secret=DEV_JWT_SECRET)
    check = verifier(settings)
    assert check.verify(provider_token(key, "amira")).id == "amira"
    assert check.verify(mint_dev_token("seed", ["hr"])).id == "seed"
    forged = mint_dev_token("mallory", ["hr"], secret="not-the-dev-key-but-long-enough-32b")
    with pytest.raises(jwt.InvalidSignatureError):
        check.verify(forged)


def test_without_the_dev_key_only_the_providers_tokens_pass(provider):
    jwks_url, key = provider
    settings = ApplicantSettings(environment="local", jwks_url=jwks_url, jwt_issuer=ISSUER)
    assert settings.jwt_dev_secret is None
    check = verifier(settings)
    assert check.verify(provider_token(key, "amira")).id == "amira"
    with pytest.raises(jwt.PyJWTError):
        check.verify(mint_dev_token("seed", ["hr"]))
