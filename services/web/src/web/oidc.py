"""OpenID Connect sign-in: authorization code with PKCE (S256), state and nonce, via authlib.

The ID token is checked against the issuer's JWKS (signature, issuer, audience = our client
id, expiry, nonce). The access token is kept server-side and sent to the services, which check
it against the same JWKS themselves."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client

from web.config import WebSettings


class SignInFailed(Exception):
    """The provider's answer did not check out; the person is asked to sign in again."""


class Oidc:
    def __init__(self, settings: WebSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self._metadata: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = f"{self.settings.oidc_issuer}/.well-known/openid-configuration"
            response = await self.http.get(url)
            response.raise_for_status()
            self._metadata = response.json()
            self._jwks = jwt.PyJWKClient(self._metadata["jwks_uri"], cache_keys=True)
        return self._metadata

    def _client(self) -> AsyncOAuth2Client:
        # One per exchange: authlib's client keeps the token it fetched on itself.
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret.get_secret_value(),
            scope=self.settings.oidc_scope, redirect_uri=self.settings.redirect_uri,
            code_challenge_method="S256", timeout=self.settings.api_timeout_seconds)

    async def start(self, pending: dict[str, Any]) -> str:
        """The provider's authorize URL; what the callback must check goes into `pending`."""
        meta = await self.metadata()
        verifier, nonce = generate_token(64), generate_token(32)
        async with self._client() as client:
            url, state = client.create_authorization_url(
                meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
        pending.update(state=state, nonce=nonce, verifier=verifier)
        return url

    async def finish(self, pending: dict[str, Any], state: str | None,
                     code: str | None) -> dict[str, Any]:
        """Exchange the code; the signed-in person as the session keeps them."""
        if not code or not state or state != pending.get("state"):
            raise SignInFailed("the sign-in answer does not belong to this browser session")
        meta = await self.metadata()
        async with self._client() as client:
            try:
                token = await client.fetch_token(meta["token_endpoint"], code=code,
                                                 code_verifier=pending["verifier"])
            except Exception as exc:  # authlib raises OAuthError or httpx errors
                raise SignInFailed(f"the provider refused the code: {type(exc).__name__}"
                                   ) from None
        claims = await asyncio.to_thread(self._id_claims, token.get("id_token", ""))
        if claims.get("nonce") != pending["nonce"]:
            raise SignInFailed("the ID token's nonce does not match this sign-in")
        return {"sub": str(claims["sub"]), "name": claims.get("name"),
                "email": claims.get("email"), "roles": list(claims.get("roles", [])),
                "org": claims.get("org"), "applicant_kind": claims.get("applicant_kind"),
                "access_token": token["access_token"],
                "expires_at": float(token.get("expires_at") or time.time() + 300)}

    def _id_claims(self, id_token: str) -> dict[str, Any]:
        assert self._jwks is not None
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token).key
            return jwt.decode(id_token, key, algorithms=["RS256", "ES256"],
                              audience=self.settings.oidc_client_id,
                              issuer=self.settings.oidc_issuer,
                              options={"require": ["exp", "sub", "iat"]})
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token did not verify: {exc}") from None

    async def end_session_url(self) -> str | None:
        """Where to send the browser so the provider's own session ends too."""
        try:
            meta = await self.metadata()
        except httpx.HTTPError:
            return None
        end = meta.get("end_session_endpoint")
        if not end:
            return None
        return str(httpx.URL(end, params={
            "client_id": self.settings.oidc_client_id,
            "post_logout_redirect_uri": f"{self.settings.public_url}/signed-out"}))
