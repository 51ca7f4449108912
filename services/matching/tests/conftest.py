import pytest
from matching.app import build_app
from matching.config import MatchingSettings
from shared.testing.events import TopicReader
from shared.testing.service import running_service, test_settings

from .matching_support import FAST


# A fresh service (database and topics) per test: continuous matching looks at every open
# place, so tests sharing one service would match each other's applications.
@pytest.fixture
async def service():
    settings = await test_settings(MatchingSettings, **FAST)
    async with running_service(build_app, settings) as svc:
        yield svc


@pytest.fixture
async def matches(service):
    async with TopicReader(service.settings.kafka_bootstrap_servers,
                           service.settings.topic("matches")) as reader:
        yield reader
