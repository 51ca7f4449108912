"""Fixture factories for the services' conftests: one shape of "a fresh service" and "a reader
over its topics", instead of the same two fixtures written out in every service."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from shared.settings import ServiceSettings

from testkit.harness.service import fresh_service


def service_fixture(build_app: Callable[[ServiceSettings], FastAPI],
                    settings_cls: type[ServiceSettings], scope: str = "module",
                    name: str = "service", **overrides):
    """A fixture running the service in-process on its own database and topic namespace."""
    @pytest.fixture(scope=scope, name=name)
    async def service():
        async with fresh_service(build_app, settings_cls, **overrides) as svc:
            yield svc

    return service


def reader_fixture(*topics: str, name: str = "reader"):
    """A fixture reading the `service` fixture's own topics (names without the prefix)."""
    @pytest.fixture(name=name)
    async def reader(service):
        async with service.reader(*topics) as r:
            yield r

    return reader
