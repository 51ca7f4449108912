"""Run a service as a real OS process for tests that kill and restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from shared.settings import ServiceSettings


class ServiceProcess:
    def __init__(self, module: str, env: dict[str, str], port: int, log_path: Path) -> None:
        self.module = module
        self.env = {"BPS_ENV": "test", **os.environ, **env}  # test: the dev JWT key works
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 60.0) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.proc = subprocess.Popen([sys.executable, "-m", self.module], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.module} exited with {self.proc.returncode}; "
                                   f"see {self.log_path}")
            try:
                # /readyz pings Kafka (up to 2 s itself): a 1 s wait never saw it on a busy host
                if httpx.get(f"{self.url}/readyz", timeout=5.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.module} not ready within {timeout}s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, exactly like a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_for(settings: ServiceSettings, log_dir: Path, **env: str) -> ServiceProcess:
    """The service `settings` describe, as a process on a free port, pointed at the same
    broker, topic namespace and database; `env` adds settings without the service's prefix
    (e.g. SLA_EXPIRY_FACTOR="4")."""
    name = settings.service_name
    prefix = name.upper() + "_"
    port = free_port()
    env = {"KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
           "TOPIC_PREFIX": settings.topic_prefix, "DATABASE_URL": settings.database_url,
           "HTTP_PORT": str(port), **env}
    return ServiceProcess(name, {prefix + k: v for k, v in env.items()}, port,
                          log_dir / f"{name}.log")
