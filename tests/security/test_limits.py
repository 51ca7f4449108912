"""Unrestricted resource use: body size cap, page size caps, per-caller write rate limits,
against the running services."""

from __future__ import annotations

import asyncio
import importlib
import time
import uuid

import httpx
from fastapi.routing import APIRoute
from shared.auth import mint_dev_token
from shared.limits import MAX_PAGE_SIZE, write_limited

from tests.e2e.system import SERVICES
from tests.security.matrix import MATRIX, PRINCIPALS, ROLES, Endpoint
from tests.security.security_world import MAX_BODY_BYTES, WRITE_RATE_PER_MINUTE, as_principal

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def writes_of(service: str) -> list[Endpoint]:
    return [e for e in MATRIX if e.service == service and e.method in WRITES]


def first_allowed(e: Endpoint) -> str:
    return next(p for p in PRINCIPALS if p in e.statuses or
                (e.allowed is not None and PRINCIPALS[p][1] in e.allowed))


async def test_a_body_over_the_cap_is_refused_with_413_saying_the_cap(security_system, http,
                                                                      world):
    big = {"reason": "x" * (MAX_BODY_BYTES + 1)}
    for service in SERVICES:
        with_body = [e for e in writes_of(service) if e.body is not None]
        e = (with_body or writes_of(service))[0]
        url = security_system.url(service) + e.url_path(world.ids)
        auth = as_principal(first_allowed(e))
        answers = [await http.request(e.method, url, json=big, headers=auth)]
        if with_body:  # without Content-Length the cap must hold while the body is read
            async def chunks():
                for _ in range(4):
                    yield b"x" * (MAX_BODY_BYTES // 2)

            answers.append(await http.request(
                e.method, url, content=chunks(),
                headers={**auth, "Content-Type": "application/json"}))
        for r in answers:
            assert r.status_code == 413, (service, r.text)
            assert f"larger than {MAX_BODY_BYTES} bytes" in r.json()["detail"]


async def test_a_page_over_the_cap_is_refused_with_422_naming_limit(security_system, http,
                                                                    world):
    checked = []
    for service in SERVICES:
        spec = (await http.get(security_system.url(service) + "/openapi.json")).json()
        for path, item in spec["paths"].items():
            get = item.get("get", {})
            limit = next((p for p in get.get("parameters", []) if p["name"] == "limit"), None)
            if limit is None or path == "/stream":
                continue
            assert limit["schema"].get("maximum") == MAX_PAGE_SIZE, (service, path)
            e = next(e for e in MATRIX if (e.service, e.method, e.path) == (service, "GET",
                                                                           path))
            url = security_system.url(service) + e.url_path(world.ids)
            auth = as_principal(first_allowed(e))
            r = await http.get(url, params={"limit": MAX_PAGE_SIZE + 1}, headers=auth)
            assert r.status_code == 422, (service, path, r.text)
            assert "limit" in r.text and str(MAX_PAGE_SIZE) in r.text
            ok = await http.get(url, params={"limit": MAX_PAGE_SIZE}, headers=auth)
            assert ok.status_code == 200, (service, path, ok.text)
            checked.append(f"{service} {path}")
    assert len(checked) >= 8, checked


def all_roles(sub: str) -> dict[str, str]:
    """Every role at once (org hr-central counts as central HR and as a host's org), so
    only the rate limit, keyed by caller id, can refuse."""
    return {"Authorization": "Bearer " + mint_dev_token(sub, list(ROLES), "hr-central")}


async def test_a_burst_of_writes_by_one_caller_gets_429_with_retry_after_and_others_do_not(
        security_system, http, world):
    for service in SERVICES:
        burst = all_roles(f"sec-burst-{uuid.uuid4().hex[:6]}")
        first = writes_of(service)[0]
        url = security_system.url(service) + first.url_path(world.ids)
        # Concurrent batches until the bucket runs dry: on a slow machine the bucket refills
        # (one a second) while a burst is sent, so what is allowed is capacity + refill.
        answers: list[httpx.Response] = []
        started = time.monotonic()
        while not any(r.status_code == 429 for r in answers) and len(answers) < 1000:
            answers += await asyncio.gather(*(http.request(first.method, url, headers=burst)
                                              for _ in range(30)))
        refilled = (time.monotonic() - started) * WRITE_RATE_PER_MINUTE / 60
        limited = [r for r in answers if r.status_code == 429]
        assert limited, (service, {r.status_code for r in answers})
        allowed = len(answers) - len(limited)
        assert WRITE_RATE_PER_MINUTE <= allowed <= WRITE_RATE_PER_MINUTE + refilled + 1
        r = limited[0]
        assert 1 <= int(r.headers["Retry-After"]) <= 60 and "retry in" in r.json()["detail"]
        other = all_roles(f"sec-calm-{uuid.uuid4().hex[:6]}")
        r = await http.request(first.method, url, headers=other)
        assert r.status_code != 429, (service, r.text)
        reads = [e for e in MATRIX if e.service == service and e.method == "GET"
                 and e.allowed is not None and not e.about_one_object and e.path != "/stream"]
        for e in reads[:1]:  # reads are not rate limited
            r = await http.get(security_system.url(service) + e.path, headers=burst)
            assert r.status_code != 429, (service, e.path, r.text)


def depends_on(dependant, call) -> bool:
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


async def test_every_write_endpoint_of_every_service_is_rate_limited():
    """Checked on the routes themselves: timing a burst against each endpoint on a loaded
    machine would race the bucket's refill."""
    unlimited, writes = [], 0
    for service in SERVICES:
        spec = importlib.import_module(f"{service}.app").SPEC
        for route in (r for router in spec.routers for r in router.routes):
            if isinstance(route, APIRoute) and set(route.methods) & set(WRITES):
                writes += 1
                if not depends_on(route.dependant, write_limited):
                    unlimited.append(f"{service} {route.methods} {route.path}")
    assert not unlimited, unlimited
    assert writes == sum(1 for e in MATRIX if e.method in WRITES)
