"""A service's shape in one declaration: what it builds, the events it handles, whether it reads
dead letters, its background workers and its HTTP routes. `shared.service.build_service_app`
turns a spec into the running app; the Kafka ACL plan, the AsyncAPI operations, the topic
catalogue's `readers` and the fault reconciliation are checked against (or derived from) it
(tests/platform/test_subscriptions_agree.py).

The topics a service consumes are never listed by hand: they are the topics of the event types
in its handler table, as the contracts catalogue places them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import asyncpg
from contracts.topics import DLQ_SUFFIX, TOPICS
from fastapi import APIRouter

from contracts import Event
from shared.dlq import FailedMessage, attach_dead_letter_reader
from shared.workers import Worker, start_worker

if TYPE_CHECKING:
    from shared.service import ServiceRuntime

C = TypeVar("C")  # the service's component: its use cases, built once per process
AfterCommit = Callable[[], Awaitable[None]]
# Unbound methods of the component, e.g. `Applicants.on_event`: (component, conn, event).
EventHandler = Callable[[C, asyncpg.Connection, Any], Awaitable[AfterCommit | None]]
DeadLetterHandler = Callable[[C, asyncpg.Connection, FailedMessage],
                             Awaitable[AfterCommit | None]]
WorkerFactory = Callable[["ServiceRuntime", C], Worker]
Cleanup = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class ServiceSpec(Generic[C]):
    name: str  # the service (settings.service_name): its inbox, consumer group, principal
    title: str
    description: str
    build: Callable[[ServiceRuntime], C]
    # Unset: the `migrations` folder of the package named `name`, where every service keeps
    # them (docs/conventions.md).
    migrations: Path = None  # type: ignore[assignment]  # set in __post_init__
    handlers: Mapping[type[Event], EventHandler[C]] = field(default_factory=dict)
    # Set: the service reads every `<topic>.dlq` (raw records, see shared.dlq).
    dead_letters: DeadLetterHandler[C] | None = None
    workers: Sequence[WorkerFactory[C]] = ()
    routers: Sequence[APIRouter] = ()
    # What the routes get (runtime.use_cases, through shared.use_cases): the component itself
    # unless the service has a typed container of its HTTP use cases.
    use_cases: Callable[[ServiceRuntime, C], object] | None = None
    openapi_tags: Sequence[Mapping[str, str]] = ()
    version: str = "0.1.0"

    def __post_init__(self) -> None:
        if self.migrations is None:
            folder = Path(str(importlib.resources.files(self.name) / "migrations"))
            object.__setattr__(self, "migrations", folder)  # frozen: set once, here

    @property
    def consumes(self) -> tuple[str, ...]:
        """The topics of the handled event types, in catalogue order."""
        wanted = {event_type.TOPIC for event_type in self.handlers}
        unknown = wanted - {t.name for t in TOPICS}
        if unknown:
            raise ValueError(f"{self.name} handles events of unknown topics {sorted(unknown)}")
        return tuple(t.name for t in TOPICS if t.name in wanted)

    @property
    def dead_letter_topics(self) -> tuple[str, ...]:
        return tuple(t.dlq for t in TOPICS) if self.dead_letters else ()

    @property
    def dead_letters_written(self) -> tuple[str, ...]:
        """A consumer dead-letters what it cannot handle into its topic's twin."""
        return tuple(topic + DLQ_SUFFIX for topic in self.consumes)

    @property
    def consumer_group(self) -> str:
        """Unprefixed; also the inbox name and the `x-dlq-consumer` header of its letters."""
        return self.name

    @property
    def dead_letter_group(self) -> str:
        return f"{self.name}-dlq"

    async def wire(self, runtime: ServiceRuntime) -> Cleanup:
        """Build the component, subscribe its handlers, start its workers (before the broker
        starts, as FastStream requires of subscribers). Returns what stops the workers."""
        if runtime.settings.service_name != self.name:
            raise ValueError(f"settings are for {runtime.settings.service_name!r}, "
                             f"the spec for {self.name!r}")
        component = self.build(runtime)
        runtime.use_cases = (self.use_cases(runtime, component) if self.use_cases
                             else component)
        if self.handlers:
            consumer = runtime.consumer(self.consumer_group)
            for event_type, handler in self.handlers.items():
                consumer.on(event_type, functools.partial(handler, component))
            consumer.attach(runtime.broker, *runtime.topics(*self.consumes))
        if self.dead_letters is not None:
            attach_dead_letter_reader(
                runtime.broker, runtime.pool, runtime.topics(*self.dead_letter_topics),
                group_id=runtime.settings.topic(self.dead_letter_group),
                handle=functools.partial(self.dead_letters, component))
        return await _start_all([make(runtime, component) for make in self.workers])


async def _start_all(workers: list[Worker]) -> Cleanup:
    started: list[Worker] = []

    async def stop_all() -> None:
        for worker in reversed(started):
            with contextlib.suppress(Exception):  # one bad stop must not leak the others
                await worker.stop()

    try:
        for worker in workers:
            await start_worker(worker)
            started.append(worker)
    except BaseException:
        await stop_all()
        raise
    return stop_all
