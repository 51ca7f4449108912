"""What `make run` (deploy/local/run.py) needs to add the sign-in provider and this service.

    from web import localrun
    oidc_cmd, oidc_env = localrun.provider(ROOT)            # spawn first; its port is 8107
    localrun.wait_for_provider()                            # discovery answers
    env.update(localrun.service_auth(names))                # each service: JWKS, issuer, aud
    web_cmd, web_env = localrun.web({"applicant": url, ...})  # spawn with the others
    print("\\n".join(localrun.banner(ROOT)))

With the provider's JWKS set, the services accept only its tokens: scripts get theirs with
`localrun.token("host.windco")` (client credentials) instead of minting dev tokens."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from web import devoidc

OIDC_PORT = int(os.environ.get("BPS_OIDC_PORT", "8107"))
WEB_PORT = int(os.environ.get("BPS_WEB_PORT", "8106"))


def provider(root: Path, port: int = OIDC_PORT) -> tuple[list[str], dict[str, str]]:
    return devoidc.command(root, port)


def wait_for_provider(port: int = OIDC_PORT, timeout: float = 120.0) -> None:
    devoidc.wait_ready(port, timeout)


def service_auth(services: list[str], port: int = OIDC_PORT) -> dict[str, str]:
    return devoidc.services_env(port, services)


def token(sub: str, role: str | None = None, org: str | None = None,
          port: int = OIDC_PORT) -> str:
    """A provider token: a persona's (by its sub) or any subject's with one role and an org;
    what demo.py, simulate.py and `make token` need once the services trust only the
    provider."""
    return devoidc.client_token(port, sub, role, org)


def web(urls: dict[str, str], port: int = WEB_PORT, oidc_port: int = OIDC_PORT
        ) -> tuple[list[str], dict[str, str]]:
    return [sys.executable, "-m", "web"], {**os.environ,
                                           **devoidc.web_env(port, oidc_port, urls)}


def banner(root: Path, port: int = WEB_PORT, oidc_port: int = OIDC_PORT) -> list[str]:
    people, _ = devoidc.personas(root)
    lines = [f"  web           http://127.0.0.1:{port}/   (applicants: sign in there)",
             f"  HR monitor    http://127.0.0.1:{port}/hr/monitor   (sign in as hr.central)",
             f"  sign-in       {devoidc.issuer_url(oidc_port)}   (local OIDC provider)",
             "  demo personas (choose one on the sign-in page):"]
    lines += [f"    {p['sub']:<16} {p['label']}" for p in people]
    return lines
