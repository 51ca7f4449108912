import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from contracts.examples import example
from monitor.app import build_app
from monitor.config import MonitorSettings
from testkit.harness import serving
from testkit.harness.events import eventually
from testkit.harness.fixtures import service_fixture
from testkit.harness.service import fresh_service as new_service

from contracts import ApplicationSubmitted, Event, Scheme

FAST = dict(stream_poll_seconds=0.05, consumer_retry_backoff_seconds=0.01,
            write_rate_per_minute=100_000)


@pytest.fixture(scope="module")
async def service():
    async with new_service(build_app, MonitorSettings, **FAST) as svc, \
            served(svc.app) as url:
        # httpx's ASGI transport buffers whole bodies, so streams need a real socket.
        svc.url = url
        yield svc


def served(app):
    """Serve an app whose lifespan already runs, on a free loopback port."""
    return serving.served(app, lifespan="off", access_log=False, timeout_graceful_shutdown=1)


@contextlib.asynccontextmanager
async def sse_stream(service, headers, **params) -> AsyncIterator["SseReader"]:
    async with httpx.AsyncClient(base_url=service.url, timeout=20) as client, \
            client.stream("GET", "/stream", headers=headers, params=params) as response:
        assert response.status_code == 200, await response.aread()
        yield SseReader(response)


@pytest.fixture
def hr(service):
    return service.auth("hr-alice", "hr")


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class SseReader:
    """Reads `event` frames off an open SSE response; waits on the 'ready' comment first."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()
        self.ready = False

    async def next_frame(self) -> dict:
        frame: dict = {}
        async for line in self.lines:
            if line == "":
                if "data" in frame:
                    return frame
                frame = {}
                continue
            if line.startswith(":"):
                self.ready = self.ready or line.startswith(": ready")
                continue
            name, _, value = line.partition(":")
            frame[name] = value.removeprefix(" ")
        raise EOFError("stream closed")

    async def wait_ready(self) -> None:
        async for line in self.lines:
            if line.startswith(": ready"):
                self.ready = True
                return

    async def items(self, count: int) -> list[dict]:
        out = []
        while len(out) < count:
            frame = await self.next_frame()
            out.append({"id": int(frame["id"]), **json.loads(frame["data"])})
        return out


def submitted(scheme: Scheme = Scheme.INDUSTRY, at: datetime | None = None, **fields):
    app_id = uuid.uuid4()
    return example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                   applicant_id=f"applicant-{app_id.hex[:6]}", scheme=scheme,
                   occurred_at=at or datetime.now(UTC), **fields)


def next_event(cls, cause: Event, at: datetime | None = None, **fields):
    """An event in the same journey as `cause` (ids carried over from the example values)."""
    carried = {k: getattr(cause, k) for k in ("application_id", "applicant_id", "scheme")
               if k in cls.model_fields and hasattr(cause, k)}
    return example(cls, correlation_id=cause.correlation_id, causation_id=cause.event_id,
                   occurred_at=at or datetime.now(UTC), **{**carried, **fields})


async def publish_events(service, *events) -> None:
    await service.publish(*events)


# A monitor of its own, for tests that count everything in the log.
fresh_service = service_fixture(build_app, MonitorSettings, scope="function",
                                name="fresh_service", **FAST)


async def wait_logged(service, *events) -> None:
    ids = [e.event_id for e in events]

    async def all_there() -> bool:
        n = await service.runtime.pool.fetchval(
            "SELECT count(*) FROM events WHERE event_id = ANY($1::uuid[])", ids)
        return n == len(set(ids))

    await eventually(all_there, timeout=20)
