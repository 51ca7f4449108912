import uuid
from pathlib import Path

import pytest
from shared.kafka import ensure_topics
from shared.settings import ServiceSettings
from shared.testing.kafka import kafka_bootstrap_servers
from shared.testing.postgres import create_database, drop_database
from shared.testing.service import unique_prefix

from contracts import ApplicationWithdrawn, Scheme

MIGRATIONS = Path(__file__).parent / "fixture_migrations"


def withdrawn(reason: str = "changed my mind") -> ApplicationWithdrawn:
    app_id = uuid.uuid4()
    return ApplicationWithdrawn(producer="test", correlation_id=app_id, application_id=app_id,
                                applicant_id="alice", scheme=Scheme.INDUSTRY, reason=reason)


@pytest.fixture
async def settings():
    bootstrap = kafka_bootstrap_servers()
    prefix = unique_prefix()
    await ensure_topics(bootstrap, prefix)
    dsn = await create_database("shared")
    yield ServiceSettings(service_name="kit", environment="test",
                          kafka_bootstrap_servers=bootstrap, topic_prefix=prefix,
                          database_url=dsn, outbox_poll_seconds=0.05,
                          consumer_retry_backoff_seconds=0.01)
    await drop_database(dsn)
