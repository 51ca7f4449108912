"""Schemathesis against each running service's OpenAPI, with a valid token of a role the
endpoint is for: no 5xx, and every 4xx carries a `detail` saying what is wrong.

`make test` runs a small fixed (derandomised) number of cases per operation and mode;
`make fuzz` (marker fuzz_long) runs many more, randomly. Fuzzing writes random objects into
the shared system, so conftest.py runs it after the folder's other tests."""

from __future__ import annotations

import asyncio
import itertools
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from shared.auth import mint_dev_token

from tests.e2e.system import SERVICES, System
from tests.security.matrix import MATRIX, PRINCIPALS, Endpoint

SHORT_CASES = 4
LONG_CASES = int(os.environ.get("BPS_FUZZ_CASES", "150"))
# An open SSE stream never answers in full; its parameters are checked by the matrix test
# and the monitor's own tests.
NOT_FUZZED = {("monitor", "GET", "/stream")}
_serial = itertools.count()


def token_for(e: Endpoint) -> dict[str, str]:
    """A fresh caller (so the write rate limit never answers) of the endpoint's first role;
    org claims that make hosts act for an org and HR central."""
    role = next((PRINCIPALS[p][1] for p in PRINCIPALS
                 if e.allowed is None or PRINCIPALS[p][1] in e.allowed), "hr")
    org = {"host": "sec-fuzz-org", "hr": None}.get(role, PRINCIPALS[role][2])
    sub = f"sec-fuzz-{role}-{next(_serial)}"
    return {"Authorization": f"Bearer {mint_dev_token(sub, [role], org)}"}


def problem_with(status: int, text: str) -> str | None:
    if status >= 500:
        return "server error"
    if 400 <= status < 500:
        try:
            detail = json.loads(text).get("detail")
        except (ValueError, AttributeError):
            return "4xx without a JSON body"
        if not detail:
            return "4xx without a detail"
        if isinstance(detail, list) and not all(d.get("msg") and d.get("loc") for d in detail):
            return "4xx detail items without msg and loc"
    return None


def fuzz(system: System, service: str, cases: int, derandomize: bool) -> tuple[list, int]:
    schema = schemathesis.openapi.from_url(system.url(service) + "/openapi.json")
    failures: list[str] = []
    calls = [0]
    for result in schema.get_all_operations():
        op = result.ok()
        if (service, op.method.upper(), op.path) in NOT_FUZZED:
            continue
        endpoint = next(e for e in MATRIX if (e.service, e.method, e.path) ==
                        (service, op.method.upper(), op.path))
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_one(op, endpoint, mode, cases, derandomize, failures, calls)
    return failures, calls[0]


def fuzz_one(op, endpoint: Endpoint, mode: GenerationMode, cases: int, derandomize: bool,
             failures: list[str], calls: list[int]) -> None:
    @settings(max_examples=cases, deadline=None, database=None, derandomize=derandomize,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case) -> None:
        # Failures are collected, not raised: one bad answer must not hide the others.
        response = case.call(headers=token_for(endpoint), timeout=20)
        calls[0] += 1
        problem = problem_with(response.status_code, response.text)
        if problem:
            failures.append(f"{problem}: {case.method} {case.formatted_path} "
                            f"query={case.query} body={str(case.body)[:300]} -> "
                            f"{response.status_code} {response.text[:300]}")

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): only the negative mode may say so.
        if mode is not GenerationMode.NEGATIVE:
            raise


async def _fuzz_and_check(system: System, service: str, cases: int, derandomize: bool):
    failures, calls = await asyncio.to_thread(fuzz, system, service, cases, derandomize)
    assert calls > 0
    assert not failures, f"{len(failures)} of {calls} calls failed:\n" + "\n".join(failures)


@pytest.mark.parametrize("service", SERVICES)
async def test_fuzzed_requests_never_get_a_5xx_and_every_4xx_says_why(security_system, world,
                                                                       service):
    await _fuzz_and_check(security_system, service, SHORT_CASES, derandomize=True)


@pytest.mark.fuzz_long
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("service", SERVICES)
async def test_a_long_fuzz_run_never_gets_a_5xx_and_every_4xx_says_why(security_system, world,
                                                                        service):
    await _fuzz_and_check(security_system, service, LONG_CASES, derandomize=False)
