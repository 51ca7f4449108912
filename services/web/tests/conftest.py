from pathlib import Path

import pytest

from .web_system import start_web_system, stop_web_system

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
async def web_system(tmp_path_factory):
    # One system for every browser test: starting seven processes is the slow part, and each
    # test signs in as its own fresh person, so tests do not see each other's applications.
    system = await start_web_system(tmp_path_factory.mktemp("web"))
    yield system
    await stop_web_system(system)


@pytest.fixture(scope="session")
def chromium_installed() -> Path:
    # `make setup` installs it; a missing browser is a failure, not a silent skip.
    assert CHROMIUM.exists(), "needs Debian chromium: run `make setup` or apt-get install chromium"
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_installed):
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        await chromium.close()
