"""Security tests run against the whole system as real processes (tests/e2e/system.py) on the
real broker and database, started once for this folder."""

from pathlib import Path

import httpx
import pytest

from tests.e2e.system import SERVICES, start_system, stop_system
from tests.security.security_world import MAX_BODY_BYTES, WRITE_RATE_PER_MINUTE, build_world

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
async def security_system(tmp_path_factory):
    env = {}
    for name in SERVICES:
        env[f"{name.upper()}_WRITE_RATE_PER_MINUTE"] = str(WRITE_RATE_PER_MINUTE)
        env[f"{name.upper()}_MAX_BODY_BYTES"] = str(MAX_BODY_BYTES)
    system = await start_system(tmp_path_factory.mktemp("security"), env)
    try:
        yield system
    finally:
        await stop_system(system)


@pytest.fixture(scope="session")
async def http():
    async with httpx.AsyncClient(timeout=20.0) as client:
        yield client


@pytest.fixture(scope="session")
async def world(security_system):
    return await build_world(security_system)


def pytest_collection_modifyitems(items):
    """Fuzzing writes random objects into the shared system: it goes after this folder's
    other tests, so none of them meets a fuzzed opportunity or application."""
    here = [i for i in items if HERE in i.path.parents]
    fuzzed = [i for i in here if i.path.name == "test_fuzz.py"]
    others = [i for i in here if i not in fuzzed]
    if not fuzzed or not others:
        return
    rest = [i for i in items if i not in fuzzed]
    at = rest.index(others[-1]) + 1
    items[:] = rest[:at] + fuzzed + rest[at:]
