"""The bench registry, the shared context every bench gets, and the result shape.

A bench is `async def fn(ctx: Context) -> list[Metric]` registered with `@bench(name, ...)`.
Benches run in registration order (floors first: later ratios need their baselines). A bench
that cannot run yet (its service is not written) raises `Pending("why")`; the report lists it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from contracts.examples import example
from contracts.topics import TOPICS
from shared.kafka import ensure_topics
from testkit.harness.postgres import create_database, drop_database

from contracts import ApplicationSubmitted


class Pending(Exception):  # noqa: N818 - a state, not an error
    """This bench's subject does not exist yet; the message says what it waits for."""


@dataclass
class Target:
    """`on` is "value" or "ratio"; `op` is ">=" or "<="."""

    op: str
    threshold: float
    on: str = "value"

    def check(self, value: float, ratio: float | None) -> bool | None:
        subject = ratio if self.on == "ratio" else value
        if subject is None:
            return None
        return subject >= self.threshold if self.op == ">=" else subject <= self.threshold

    def __str__(self) -> str:
        return f"{'ratio ' if self.on == 'ratio' else ''}{self.op} {self.threshold:g}"


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    baseline: str | None = None  # name of another metric this one is compared with
    target: Target | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    ratio: float | None = None
    passed: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target"] = str(self.target) if self.target else None
        return d


@dataclass
class Sizes:
    """How much work each bench does; --quick shrinks everything to a smoke run."""

    messages: int = 20_000  # floors and relay
    hop_events: int = 5_000
    db_inserts: int = 5_000
    http_requests: int = 2_000
    journeys: int = 60  # at saturation; the 10% / 50% runs are paced over journey_seconds
    journey_seconds: float = 120.0
    journey_samples: int = 40  # at least, per paced run: a p99 of 5 samples is just the max
    quick: bool = False

    @classmethod
    def quick_run(cls) -> Sizes:
        return cls(messages=500, hop_events=200, db_inserts=300, http_requests=200, journeys=20,
                   journey_seconds=5.0, journey_samples=5, quick=True)


@dataclass
class Context:
    """Infra for one run: one broker, one PostgreSQL; topics and databases cleaned up after."""

    bootstrap: str
    sizes: Sizes
    out_dir: Path = Path("bench-results")
    results: dict[str, Metric] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # benches share work (filled topics)
    profile: bool = False  # --profile: benches that start their own processes profile them
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _prefixes: list[str] = field(default_factory=list)
    _databases: list[str] = field(default_factory=list)

    def sample_event(self, **fields: Any) -> ApplicationSubmitted:
        """A real ApplicationSubmitted: its size is the project's message size."""
        app_id = uuid.uuid4()
        return example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                       **fields)

    async def topics(self, name: str) -> str:
        """A private prefix with every catalogue topic (and DLQ) created under it."""
        prefix = f"bench{self.run_id}{name.replace('.', '_')}."
        await ensure_topics(self.bootstrap, prefix)
        self._prefixes.append(prefix)
        await self._wait_for_leaders(prefix)
        return prefix

    async def _wait_for_leaders(self, prefix: str, within: float = 30.0) -> None:
        """New topics answer NotLeaderForPartition for a moment; keep that out of timings."""
        names = [prefix + t.name for t in TOPICS]
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            deadline = time.monotonic() + within
            while time.monotonic() < deadline:
                described = await admin.describe_topics(names)
                if all(t["error_code"] == 0 and t["partitions"]
                       and all(p["leader"] >= 0 for p in t["partitions"]) for t in described):
                    return
                await asyncio.sleep(0.1)
        finally:
            await admin.close()

    async def database(self, name: str) -> str:
        dsn = await create_database(f"bench_{name.replace('.', '_')}")
        self._databases.append(dsn)
        return dsn

    def launch(self, module: str, name: str) -> tuple[str, dict[str, str]]:
        """The module to start for a process under test, and its extra environment: with
        --profile, tests.perf.profiled wraps it and writes <out>/profile-<name>.html/.txt."""
        if not self.profile:
            return module, {}
        return "tests.perf.profiled", {"BENCH_PROFILE_MODULE": module,
                                       "BENCH_PROFILE_OUT": str(self.out_dir / f"profile-{name}")}

    def baseline(self, name: str) -> float | None:
        m = self.results.get(name)
        return m.value if m else None

    async def cleanup(self) -> None:
        for dsn in self._databases:
            await drop_database(dsn)
        if not self._prefixes:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            ours = [t for t in await admin.list_topics()
                    if any(t.startswith(p) for p in self._prefixes)]
            if ours:
                await admin.delete_topics(ours)
        finally:
            await admin.close()


BenchFn = Callable[[Context], Awaitable[list[Metric]]]


@dataclass
class Bench:
    name: str
    fn: BenchFn
    group: str
    smoke: bool  # part of --quick / the pytest smoke test
    doc: str


REGISTRY: dict[str, Bench] = {}


def bench(name: str, group: str, smoke: bool = False) -> Callable[[BenchFn], BenchFn]:
    def register(fn: BenchFn) -> BenchFn:
        REGISTRY[name] = Bench(name, fn, group, smoke, (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return register


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
