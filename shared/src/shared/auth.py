"""Bearer JWT auth: a dev HS256 key locally, an OIDC issuer's JWKS in production.

`python -m shared.auth --role hr --sub alice` mints a dev token.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden
from shared.settings import DEV_JWT_ISSUER, DEV_JWT_SECRET

# Central HR: role hr with no org, or this org. Departmental HR (any other org) approves for
# its own department and sees only what that needs.
CENTRAL_HR_ORG = "hr-central"


class Role(StrEnum):
    APPLICANT = "applicant"
    HOST = "host"
    LINE_MANAGER = "line_manager"
    HR = "hr"
    ETHICS = "ethics"
    VETTING = "vetting"
    EMPLOYER = "employer"
    FCDO_POST = "fcdo_post"
    BCC = "bcc"
    # Analysts who evaluate the scheme (e.g. the Industrial Strategy Council): they see only
    # pseudonymised research extracts (the monitor), never a journey.
    EVALUATOR = "evaluator"


@dataclass(frozen=True)
class Caller:
    id: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    org: str | None = None

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_hr(self) -> bool:
        return Role.HR in self.roles

    @property
    def is_central_hr(self) -> bool:
        """HR that sees every journey (role hr, and no org or org hr-central)."""
        return self.is_hr and self.org in (None, CENTRAL_HR_ORG)


class TokenVerifier:
    def __init__(self, *, dev_secret: str | None, jwks_url: str | None, issuer: str,
                 audience: str) -> None:
        if not dev_secret and not jwks_url:
            # What a production deployment without auth configuration stops on (settings only
            # hand out the dev key when BPS_ENV is local or test).
            raise ValueError(
                "no way to verify bearer tokens: set <SERVICE>_JWKS_URL and "
                "<SERVICE>_JWT_ISSUER to your identity provider's (e.g. APPLICANT_JWKS_URL), or "
                "BPS_ENV=local (or test) to use the dev signing key")
        self.dev_secret = dev_secret
        self.jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self.issuer = issuer
        self.audience = audience

    def _dev_token(self, token: str) -> bool:
        # Only where the dev key was given explicitly next to a provider (`make run`: people
        # sign in through the local provider, scripts such as the demo seed use dev tokens).
        # Settings refuse a dev key outside BPS_ENV=local/test.
        return bool(self.dev_secret) and jwt.get_unverified_header(token).get("alg") == "HS256"

    def verify(self, token: str) -> Caller:
        issuer = self.issuer
        if self.jwks is not None and not self._dev_token(token):
            key, algorithms = self.jwks.get_signing_key_from_jwt(token).key, ["RS256", "ES256"]
        else:
            key, algorithms = self.dev_secret, ["HS256"]
            if self.jwks is not None:  # beside a provider, dev tokens keep their own issuer
                issuer = DEV_JWT_ISSUER
        claims = jwt.decode(token, key, algorithms=algorithms, audience=self.audience,
                            issuer=issuer, options={"require": ["exp", "sub"]})
        roles = frozenset(Role(r) for r in claims.get("roles", []) if r in Role._value2member_map_)
        return Caller(id=str(claims["sub"]), roles=roles, org=claims.get("org"))


_bearer = HTTPBearer(auto_error=False)


# The dependencies here are `async def` on purpose: FastAPI runs a plain `def` dependency in
# its thread pool, and those hops (three per write request) cost more than the checks.
async def current_caller(request: Request,
                         creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
                         ) -> Caller:
    if creds is None or creds.scheme.lower() != "bearer":
        raise _unauthorised("missing bearer token: send 'Authorization: Bearer <jwt>'")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        if verifier.jwks is not None:  # may fetch the issuer's keys: keep it off the loop
            return await asyncio.to_thread(verifier.verify, creds.credentials)
        return verifier.verify(creds.credentials)
    except jwt.ExpiredSignatureError:
        raise _unauthorised("token expired: get a new one") from None
    except jwt.PyJWTError as exc:
        raise _unauthorised(f"invalid token: {exc}") from None


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=message,
                         headers={"WWW-Authenticate": "Bearer"})


CallerDep = Annotated[Caller, Depends(current_caller)]


def require_roles(*roles: Role):
    """A dependency that lets through callers holding any of these roles, else 403."""
    allowed = ", ".join(sorted(roles))

    async def check(caller: CallerDep) -> Caller:
        if not caller.has(*roles):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"this endpoint needs one of the roles: {allowed}")
        return caller

    return check


async def require_central_hr(caller: Annotated[Caller, Depends(require_roles(Role.HR))]
                             ) -> Caller:
    """Central HR only: any other role hears 403 naming the roles, departmental HR naming the
    org (it approves for its department but does not see every journey)."""
    if not caller.is_central_hr:
        raise Forbidden(f"only central HR may do this (role hr with no org or org "
                        f"{CENTRAL_HR_ORG!r}); your token's org is {caller.org!r}", "org")
    return caller


CentralHRDep = Annotated[Caller, Depends(require_central_hr)]


def mint_dev_token(sub: str, roles: list[str], org: str | None = None, *,
                   secret: str = DEV_JWT_SECRET, ttl_seconds: int = 8 * 3600,
                   issuer: str = "bps-dev", audience: str = "bps") -> str:
    now = int(time.time())
    claims = {"sub": sub, "roles": roles, "iss": issuer, "aud": audience, "iat": now,
              "exp": now + ttl_seconds}
    if org:
        claims["org"] = org
    return jwt.encode(claims, secret, algorithm="HS256")


def main() -> None:
    parser = argparse.ArgumentParser(description="Mint a dev JWT for local use.")
    parser.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                        help="role to grant; repeat for several")
    parser.add_argument("--sub", required=True, help="user id (the token's subject)")
    parser.add_argument("--org", help="organisation id the caller acts for")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    args = parser.parse_args()
    secret = os.environ.get("BPS_JWT_DEV_SECRET", DEV_JWT_SECRET)
    print(mint_dev_token(args.sub, args.role, args.org, secret=secret, ttl_seconds=args.ttl))


if __name__ == "__main__":
    main()
