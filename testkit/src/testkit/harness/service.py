"""Run a service app in-process against the real broker and a fresh real database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from shared.auth import mint_dev_token
from shared.kafka import ensure_topics
from shared.settings import ServiceSettings

from contracts import Event
from testkit.harness.events import TopicReader, publish
from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import create_database, drop_database


def unique_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


@dataclass
class RunningService:
    app: FastAPI
    client: httpx.AsyncClient
    settings: ServiceSettings

    @property
    def runtime(self):
        return self.app.state.runtime

    def auth(self, sub: str, *roles: str, org: str | None = None) -> dict[str, str]:
        token = mint_dev_token(sub, list(roles), org, secret=self.settings.jwt_dev_secret)
        return {"Authorization": f"Bearer {token}"}

    def reader(self, *topics: str) -> TopicReader:
        """A reader over the service's own topics, named without the test's prefix."""
        return TopicReader(self.settings.kafka_bootstrap_servers,
                           *(self.settings.topic(t) for t in topics))

    async def publish(self, *events: Event) -> None:
        await publish(self.settings.kafka_bootstrap_servers, self.settings.topic_prefix, *events)


async def test_settings(settings_cls: type[ServiceSettings], topic_prefix: str | None = None,
                        **overrides) -> ServiceSettings:
    """Settings pointing at a new database and a private topic namespace (topics created)."""
    bootstrap = kafka_bootstrap_servers()
    prefix = topic_prefix if topic_prefix is not None else unique_prefix()
    await ensure_topics(bootstrap, prefix)
    dsn = await create_database(settings_cls.__name__.lower().replace("settings", "") or "svc")
    return settings_cls(kafka_bootstrap_servers=bootstrap, topic_prefix=prefix, database_url=dsn,
                        outbox_poll_seconds=0.05, **{"environment": "test", **overrides})


@contextlib.asynccontextmanager
async def running_service(build_app: Callable[[ServiceSettings], FastAPI],
                          settings: ServiceSettings,
                          drop_db: bool = True) -> AsyncIterator[RunningService]:
    app = build_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield RunningService(app, client, settings)
    finally:
        if drop_db:
            await drop_database(settings.database_url)


@contextlib.asynccontextmanager
async def fresh_service(build_app: Callable[[ServiceSettings], FastAPI],
                        settings_cls: type[ServiceSettings],
                        **overrides) -> AsyncIterator[RunningService]:
    """A service with its own new database and topic namespace, torn down afterwards."""
    settings = await test_settings(settings_cls, **overrides)
    async with running_service(build_app, settings) as svc:
        yield svc
