import sys
from pathlib import Path

# Lets test modules import the local helper modules under --import-mode=importlib.
sys.path.insert(0, str(Path(__file__).parent))

import pytest  # noqa: E402
from matching.app import build_app  # noqa: E402
from matching.config import MatchingSettings  # noqa: E402
from matching_support import FAST  # noqa: E402
from shared.testing.events import TopicReader  # noqa: E402
from shared.testing.service import running_service, test_settings  # noqa: E402


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
