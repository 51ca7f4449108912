import pytest
from matching.app import build_app
from matching.config import MatchingSettings
from testkit.harness.service import fresh_service

from .matching_support import FAST


# A fresh service (database and topics) per test: continuous matching looks at every open
# place, so tests sharing one service would match each other's applications.
@pytest.fixture
async def service():
    async with fresh_service(build_app, MatchingSettings, **FAST) as svc:
        yield svc


@pytest.fixture
async def matches(service):
    async with service.reader("matches") as reader:
        yield reader
