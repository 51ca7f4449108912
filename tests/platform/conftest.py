"""Platform tests: the real Kafka broker (and, for fault tests, a real three-node cluster)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from types import ModuleType

import psutil
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from bps_local import kafka as local_kafka
from shared.testing.kafka import kafka_bootstrap_servers
from shared.testing.postgres import pg_dsn_base


def run_cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m bps_local.kafka ARGS`, as make runs it."""
    done = subprocess.run([sys.executable, "-m", "bps_local.kafka", *args], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"bps_local.kafka {' '.join(args)} failed:\n{done.stderr}"
    return done


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return kafka_bootstrap_servers()


@pytest.fixture(scope="session")
def kafka_cli() -> ModuleType:
    return local_kafka


def unique_topic(label: str) -> str:
    return f"test.{label}.{uuid.uuid4().hex[:8]}"


async def create_topic(bootstrap: str, name: str, partitions: int = 3, replication: int = 1,
                       configs: dict[str, str] | None = None) -> str:
    """Create a topic explicitly (auto creation is off) and wait until it has leaders."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.create_topics(
            [NewTopic(name, partitions, replication, topic_configs=configs or {})])
        errors = [(topic, code) for topic, code, *_ in response.topic_errors if code]
        assert not errors, f"create_topics failed: {errors}"

        async def has_leaders() -> bool:
            described = {t["topic"]: t for t in await admin.describe_topics([name])}
            parts = described.get(name, {}).get("partitions", [])
            return len(parts) == partitions and all(p["leader"] >= 0 for p in parts)

        await wait_until(has_leaders, within=30, what=f"topic {name} has leaders")
    finally:
        await admin.close()
    return name


async def wait_until(check: Callable[[], Awaitable[bool]], within: float, what: str,
                     interval: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting until {what}")
        await asyncio.sleep(interval)


# Tests run in importlib mode, where they cannot import this file; they get the helpers as
# fixtures instead.
@pytest.fixture(scope="session")
def kafka_helpers() -> ModuleType:
    return sys.modules[__name__]


class MakeRun:
    """`make run`'s supervisor (python -m bps_local.run) on ports away from a developer's own
    (8101..), on the test broker and database, its every process marked by an environment
    variable so a test can find them all."""

    def __init__(self, marker: str, base_port: int, smtp_port: int) -> None:
        self.marker, self.base_port = marker, base_port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bps_local.run", "--keep-infra", "--no-demo",
             "--base-port", str(base_port), "--smtp-port", str(smtp_port),
             "--kafka", kafka_bootstrap_servers(), "--pg", pg_dsn_base()],
            env={**os.environ, "BPS_RUN_MARKER": marker}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    def text(self) -> str:
        return "".join(self.output)

    def wait_for_line(self, needle: str, within: float) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = [line for line in list(self.output) if needle in line]
            if found:
                return found[0]
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no line with {needle!r} within {within}s:\n{self.text()}")

    def processes(self) -> list[psutil.Process]:
        """Every live process carrying the marker (the supervisor's children)."""
        found = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if (proc.environ().get("BPS_RUN_MARKER") == self.marker
                        and proc.pid != self.proc.pid and proc.status() != psutil.STATUS_ZOMBIE):
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    def service(self, name: str) -> psutil.Process:
        [found] = [p for p in self.processes() if p.cmdline()[-2:] == ["-m", name]]
        return found

    def ctrl_c(self, within: float = 60) -> int:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(within)
        self._reader.join(10)
        return self.proc.returncode

    def kill(self) -> None:
        """Leaves nothing behind whatever the test did (a failed test must not leak)."""
        if self.proc.poll() is None:
            self.ctrl_c()
        for proc in self.processes():
            proc.kill()


@pytest.fixture
def make_run():
    """Starts `make run`'s supervisor: make_run(marker, base_port, smtp_port)."""
    started: list[MakeRun] = []

    def start(marker: str, base_port: int, smtp_port: int) -> MakeRun:
        started.append(MakeRun(marker, base_port, smtp_port))
        return started[-1]

    yield start
    for run in started:
        run.kill()
