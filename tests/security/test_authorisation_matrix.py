"""Walks the whole authorisation matrix (matrix.py) against the running services: every
endpoint x every role, intruders of the right role, and tokens that must not authenticate."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
import pytest
from shared.auth import mint_dev_token

from tests.e2e.system import SERVICES, System
from tests.security.matrix import (
    BAD_TOKENS,
    INTRUDERS,
    MATRIX,
    PRINCIPALS,
    PROFILE,
    Endpoint,
    role_of,
)
from tests.security.security_world import World, as_principal

pytestmark = pytest.mark.timeout(600)


@dataclass
class Answer:
    endpoint: Endpoint
    caller: str
    expected: int
    status: int
    text: str
    www_authenticate: str | None

    def __str__(self) -> str:
        e = self.endpoint
        return (f"{e.service} {e.method} {e.path} as {self.caller}: expected {self.expected}, "
                f"got {self.status} {self.text[:160]}")


def bad_token_headers(kind: str) -> dict[str, str]:
    # Each would otherwise be central HR: the most powerful caller there is.
    sub, role, org = PRINCIPALS["hr"]
    forged = "not-the-real-key-but-long-enough-for-hs256"
    token = {
        "no token": None,
        "bad signature": lambda: mint_dev_token(sub, [role], org, secret=forged),
        "expired": lambda: mint_dev_token(sub, [role], org, ttl_seconds=-120),
        "not a jwt": lambda: "not-a-jwt",
        "wrong audience": lambda: mint_dev_token(sub, [role], org, audience="another-system"),
    }[kind]
    return {"Authorization": f"Bearer {token()}"} if token else {}


def callers(endpoint: Endpoint) -> list[tuple[str, dict[str, str], int]]:
    """(who, headers, expected status), in the order the walk uses them."""
    out = [(kind, bad_token_headers(kind),
            endpoint.default if endpoint.allowed is None else 401) for kind in BAD_TOKENS]
    principals = [*PRINCIPALS]
    intruders = [*INTRUDERS] if endpoint.about_one_object else []
    allowed = endpoint.allowed
    wrong = [p for p in principals if allowed is not None and role_of(p) not in allowed]
    owners = [p for p in principals if p not in wrong]
    for p in [*wrong, *intruders, *owners]:
        out.append((p, as_principal(p), endpoint.expected(p, role_of(p))))
    return out


async def call(http: httpx.AsyncClient, system: System, world: World, e: Endpoint,
               headers: dict[str, str]) -> tuple[int, str, str | None]:
    url = system.url(e.service) + e.url_path(world.ids)
    if e.path == "/stream":
        # An open SSE stream never ends: the status and headers are the answer.
        async with http.stream("GET", url, params=e.query, headers=headers) as r:
            text = "" if r.status_code == 200 else (await r.aread()).decode()
            return r.status_code, text, r.headers.get("www-authenticate")
    r = await http.request(e.method, url, params=e.query, headers=headers,
                           json=e.body if e.body is not None else None)
    return r.status_code, r.text, r.headers.get("www-authenticate")


@pytest.fixture(scope="session")
async def walk(security_system, http, world) -> list[Answer]:
    """Phase 0 endpoints are independent, so they are walked side by side; each endpoint's
    callers go one after another, and phase 1 strictly in order."""
    async def one(e: Endpoint) -> list[Answer]:
        out = []
        for who, headers, expected in callers(e):
            status, text, www = await call(http, security_system, world, e, headers)
            out.append(Answer(e, who, expected, status, text, www))
        return out

    answers = []
    for group in await asyncio.gather(*(one(e) for e in MATRIX if e.phase == 0)):
        answers += group
    for e in (e for e in MATRIX if e.phase == 1):
        answers += await one(e)
    return answers


async def test_every_endpoint_answers_every_caller_as_the_matrix_says(walk):
    wrong = [str(a) for a in walk if a.status != a.expected]
    assert not wrong, f"{len(wrong)} of {len(walk)} calls disagree:\n" + "\n".join(wrong)
    kinds = {a.expected for a in walk}
    assert {200, 401, 403, 404} <= kinds


async def test_refusals_say_why_and_401s_ask_for_a_bearer_token(walk):
    for a in walk:
        if a.status in (401, 403, 404):
            assert '"detail"' in a.text and len(a.text) > 20, str(a)
        if a.status == 401:
            assert a.www_authenticate == "Bearer", str(a)


CASE = "/applications/{application_id}/case"


# Where someone on the case (a stage holder, the host proposed to) reads the applicant's name:
# the case view, and the messages that ask them to act on it.
NAMED_FOR_THE_CASE = (CASE, "/inbox", "/notifications")


def _case_holders(walk) -> set[str]:
    """The people deciding an application (the matrix says who: those it expects a 200 from
    on the case view)."""
    return {a.caller for a in walk if a.endpoint.path == CASE and a.expected == 200}


def _on_the_case(a, holders: set[str] | None = None) -> bool:
    if holders is None:
        return a.endpoint.path == CASE and a.expected == 200
    return a.caller in holders and a.endpoint.path in NAMED_FOR_THE_CASE


async def test_no_one_but_the_applicant_central_hr_and_the_case_sees_their_name_or_email(walk):
    holders = _case_holders(walk)
    seen_by_others = [a for a in walk if a.caller not in ("applicant", "hr")
                      and (PROFILE["email"] in a.text
                           or (PROFILE["name"] in a.text and not _on_the_case(a, holders)))]
    assert not seen_by_others, "\n".join(str(a) for a in seen_by_others)
    assert any(PROFILE["email"] in a.text for a in walk if a.caller == "applicant")
    assert any(PROFILE["name"] in a.text for a in walk
               if _on_the_case(a) and a.caller == "line_manager")


async def test_a_webhook_secret_is_shown_only_when_it_is_registered(walk):
    for a in walk:
        if '"secret"' in a.text and '"secret":null' not in a.text.replace(" ", ""):
            assert (a.endpoint.method, a.endpoint.path) == ("POST", "/webhooks"), str(a)


async def test_every_operation_in_each_services_openapi_is_in_the_matrix(security_system,
                                                                          http):
    problems = []
    for service in SERVICES:
        spec = (await http.get(security_system.url(service) + "/openapi.json")).json()
        served = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                  if m in ("get", "put", "post", "patch", "delete")}
        listed = {(e.method, e.path) for e in MATRIX if e.service == service and e.in_openapi}
        problems += [f"{service}: {m} {p} is served but not in the matrix"
                     for m, p in sorted(served - listed)]
        problems += [f"{service}: {m} {p} is in the matrix but not served"
                     for m, p in sorted(listed - served)]
    assert not problems, "\n".join(problems)
