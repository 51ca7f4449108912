"""The whole system as real processes: five services and the dev SMTP server on fresh
databases and a private topic namespace over the real broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from shared.kafka import ensure_topics
from shared.settings import TopicSettings
from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import create_database, drop_database
from testkit.harness.process import ServiceProcess, free_port
from testkit.harness.service import unique_prefix

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("applicant", "matching", "approval", "notification", "monitor")


@dataclass
class System:
    prefix: str
    bootstrap: str
    maildir: Path
    smtp_port: int
    extra_env: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    dsns: dict[str, str] = field(default_factory=dict)
    smtp: subprocess.Popen | None = None
    ports: dict[str, int] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.services[service].url

    def replica_urls(self) -> dict[str, list[str]]:
        """Each service's base URLs: the first process, then its replicas (start_replica)."""
        return {name: [proc.url for key, proc in self.services.items()
                       if key.split("#")[0] == name] for name in SERVICES}

    def env_for(self, name: str, port: int) -> dict[str, str]:
        p = name.upper() + "_"
        env = {p + "HTTP_PORT": str(port), p + "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
               p + "DATABASE_URL": self.dsns[name], p + "TOPIC_PREFIX": self.prefix,
               p + "OUTBOX_POLL_SECONDS": "0.05"}
        if name == "notification":
            env.update({p + "SMTP_HOST": "127.0.0.1", p + "SMTP_PORT": str(self.smtp_port),
                        # data keys for the sealed contact details in ApplicationSubmitted v2
                        p + "APPLICANT_URL": f"http://127.0.0.1:{self.port_of('applicant')}"})
        env.update({k: v for k, v in self.extra_env.items() if k.startswith(p)})
        return env

    def port_of(self, name: str) -> int:
        # Chosen once, before any service starts: services that call each other need it.
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]

    def emails(self) -> list[str]:
        return [f.read_text(errors="replace") for f in sorted(self.maildir.glob("*"))
                if f.is_file()]

    def start_service(self, name: str) -> ServiceProcess:
        old = self.services.get(name)
        port = old.port if old else self.port_of(name)
        proc = ServiceProcess(name, self.env_for(name, port), port,
                              ROOT / ".local" / "logs" / f"e2e-{self.prefix}{name}.log")
        self.services[name] = proc  # known before it is ready, so stop() reaches it
        proc.start(ready_timeout=240)  # a loaded 2-core machine starts slowly
        return proc

    def start_replica(self, name: str, k: int, port: int, ready_timeout: float = 240
                      ) -> ServiceProcess:
        """Replica `k` (2, 3, ...) of a service on `port`: the same database, topics and
        consumer group as the first. Kept as services[f"{name}#{k}"], so stop() ends it with
        the rest."""
        key = f"{name}#{k}"
        proc = ServiceProcess(name, self.env_for(name, port), port,
                              ROOT / ".local" / "logs" / f"e2e-{self.prefix}{name}-{k}.log")
        self.services[key] = proc
        proc.start(ready_timeout)
        return proc

    def stop(self) -> None:
        for proc in self.services.values():
            proc.stop()
        if self.smtp and self.smtp.poll() is None:
            self.smtp.terminate()
            self.smtp.wait(10)


async def start_system(tmp: Path, extra_env: dict[str, str] | None = None,
                       bootstrap: str | None = None, replication: int = 1,
                       pg_base: str | None = None) -> System:
    # bootstrap/replication/pg_base: the fault tests bring their own broker, three-node
    # cluster or PostgreSQL.
    bootstrap = bootstrap or kafka_bootstrap_servers()
    system = System(prefix=unique_prefix(), bootstrap=bootstrap, maildir=tmp / "mail",
                    smtp_port=free_port(), extra_env=extra_env or {})
    # The three-node cluster gets production's RF 3 with min.insync.replicas 2.
    await ensure_topics(bootstrap, system.prefix, TopicSettings(
        replication_factor=replication, min_insync_replicas=min(replication, 2)))
    for name in SERVICES:
        system.dsns[name] = await create_database(f"e2e_{name}", pg_base)
    # Popen only forks; it does not wait, so it does not block the loop.
    system.smtp = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "notification.devsmtp", "--port", str(system.smtp_port),
         "--maildir", str(system.maildir)], cwd=ROOT)
    for name in SERVICES:  # every port before any thread starts: port_of is not thread-safe
        system.port_of(name)
    try:
        await asyncio.gather(*(asyncio.to_thread(system.start_service, n) for n in SERVICES))
    except BaseException:
        await stop_system(system)  # a service that never got ready leaves nothing behind
        raise
    return system


async def stop_system(system: System) -> None:
    system.stop()
    for dsn in system.dsns.values():
        await drop_database(dsn)
