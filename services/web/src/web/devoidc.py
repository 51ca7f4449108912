"""The local OpenID Connect provider: NAV's mock-oauth2-server (a real OIDC/OAuth2 server with
discovery, JWKS, authorization code + PKCE) with a persona picker as its login page.

    python -m web.devoidc fetch                 # Maven: jars into .local/oidc/lib
    python -m web.devoidc run --port 8107       # serve issuer http://127.0.0.1:8107/bps

Personas come from deploy/local/oidc/personas.json: each signs in interactively (the login page
posts its username and claims) and also gets client-credentials tokens with client_id = its sub,
so scripts and tests can act as a host or an approver without a browser.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ISSUER_ID = "bps"
AUDIENCE = "bps"
# Local tokens last a working day, like `make token`'s (the web's own session expires sooner).
TOKEN_SECONDS = 8 * 3600
MAIN_CLASS = "no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt"


def repo_root() -> Path:
    # The launcher runs from the repository (make, run.py, tests all set cwd to it).
    return Path(os.environ.get("BPS_ROOT", Path.cwd()))


def personas(root: Path) -> tuple[list[dict], list[dict]]:
    """The people who can sign in, and the services that only get client-credentials tokens."""
    data = json.loads((root / "deploy/local/oidc/personas.json").read_text())
    return data["personas"], data.get("services", [])


def issuer_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/{ISSUER_ID}"


def provider_config(people: list[dict], clients: list[dict], login_page: Path,
                    token_seconds: int) -> dict:
    """mock-oauth2-server's JSON config: client-credentials mappings per persona, then every
    interactive sign-in gets the services' audience (its claims come from the login form)."""
    by_client = [{"requestParam": "client_id", "match": p["sub"],
                  "claims": {"sub": p["sub"], "aud": [AUDIENCE], **p["claims"]}}
                 for p in people + clients]
    # The access token must name the services' audience and the ID token the client (the
    # provider puts these claims in both): so both, with azp naming the client.
    signed_in = {"aud": [AUDIENCE, "${clientId}"], "azp": "${clientId}"}
    everyone = [{"requestParam": "grant_type", "match": grant, "claims": signed_in}
                for grant in ("authorization_code", "refresh_token")]
    # Any other client id: a script's token for that subject with the one role and the org it
    # asks for (form fields `role` and `org`), as `make token` mints dev tokens.
    anyone = [{"requestParam": "grant_type", "match": "client_credentials", "claims": {
        "sub": "${client_id}", "aud": [AUDIENCE], "roles": ["${role}"], "org": "${org}"}}]
    return {"interactiveLogin": True, "httpServer": "NettyWrapper",
            "loginPagePath": str(login_page),
            "tokenCallbacks": [{"issuerId": ISSUER_ID, "tokenExpiry": token_seconds,
                                "requestMappings": by_client + everyone + anyone}]}


def login_page(people: list[dict]) -> str:
    """A static page: one form per persona (posting to the authorize URL it was served on,
    query string included), and a free form for any other subject and claims."""
    forms = "\n".join(
        f'<li><form method="post"><input type="hidden" name="username" '
        f'value="{html.escape(p["sub"])}"><input type="hidden" name="claims" '
        f'value="{html.escape(json.dumps(p["claims"]))}"><button type="submit" '
        f'id="persona-{html.escape(p["sub"])}">Sign in as {html.escape(p["label"])}</button>'
        f'</form></li>' for p in people)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Local sign-in (demo personas)</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>Local sign-in</h1>
<p>This is the local OpenID Connect provider for development. Choose a demo persona.</p>
<ul>
{forms}
</ul>
<h2>Someone else</h2>
<form method="post">
<p><label for="username">Subject (user id)</label><br>
<input id="username" name="username" type="text" required></p>
<p><label for="claims">Claims (JSON)</label><br>
<textarea id="claims" name="claims" rows="4" cols="60">{{"roles": ["applicant"]}}</textarea></p>
<button type="submit" id="sign-in-other">Sign in</button>
</form>
</main></body></html>
"""


def fetch(root: Path) -> Path:
    lib = root / ".local/oidc/lib"
    if not any(lib.glob("mock-oauth2-server-*.jar")):
        subprocess.run(["mvn", "-q", "-f", str(root / "deploy/local/oidc/pom.xml"),
                        "dependency:copy-dependencies", f"-DoutputDirectory={lib}"], check=True)
    return lib


def command(root: Path, port: int, token_seconds: int = TOKEN_SECONDS) -> tuple[list[str], dict]:
    """The java command line and environment that serve the provider on 127.0.0.1:port."""
    lib = fetch(root)
    state = root / ".local/oidc" / str(port)
    state.mkdir(parents=True, exist_ok=True)
    people, clients = personas(root)
    page = state / "login.html"
    page.write_text(login_page(people))
    env = {**os.environ, "SERVER_HOSTNAME": "127.0.0.1", "SERVER_PORT": str(port),
           "JSON_CONFIG": json.dumps(provider_config(people, clients, page, token_seconds))}
    return ["java", "-Xmx192m", "-XX:TieredStopAtLevel=1", "-cp", f"{lib}/*", MAIN_CLASS], env


def wait_ready(port: int, timeout: float = 120.0) -> None:
    """Until the provider answers its discovery document (the JVM starts in seconds)."""
    deadline = time.monotonic() + timeout
    url = f"{issuer_url(port)}/.well-known/openid-configuration"
    while True:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the OIDC provider on port {port} did not start")
        time.sleep(0.2)


def client_token(port: int, client_id: str, role: str | None = None,
                 org: str | None = None) -> str:
    """A client-credentials access token for a persona or a service (its claims from
    personas.json), or for any other subject with this role and org (scripts, tests)."""
    extra = {"role": role or "", "org": org or ""}
    response = httpx.post(f"{issuer_url(port)}/token", timeout=10.0, data={
        "grant_type": "client_credentials", "client_id": client_id,
        "client_secret": "local", "scope": AUDIENCE, **extra})
    response.raise_for_status()
    return response.json()["access_token"]


def services_env(port: int, services: list[str]) -> dict[str, str]:
    """What each service needs to accept this provider's tokens (and only them): its JWKS,
    issuer and audience; notification also gets its own token for the applicant API."""
    env: dict[str, str] = {}
    for name in services:
        prefix = name.upper() + "_"
        env.update({prefix + "JWKS_URL": f"{issuer_url(port)}/jwks",
                    prefix + "JWT_ISSUER": issuer_url(port), prefix + "JWT_AUDIENCE": AUDIENCE})
    if "notification" in services:
        env["NOTIFICATION_SERVICE_TOKEN"] = client_token(port, "svc:notification")
    return env


def web_env(web_port: int, oidc_port: int, urls: dict[str, str]) -> dict[str, str]:
    """The web service's settings for a local run: its address, the provider, the APIs."""
    return {"WEB_HTTP_PORT": str(web_port), "WEB_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
            "WEB_OIDC_ISSUER": issuer_url(oidc_port),
            **{f"WEB_{name.upper()}_URL": url for name, url in urls.items()
               if name in ("applicant", "matching", "approval", "notification", "monitor")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["fetch", "run"])
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--token-seconds", type=int, default=TOKEN_SECONDS)
    args = parser.parse_args()
    root = repo_root()
    if args.action == "fetch":
        fetch(root)
        return
    cmd, env = command(root, args.port, args.token_seconds)
    print(f"OIDC provider: {issuer_url(args.port)}", file=sys.stderr)
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
