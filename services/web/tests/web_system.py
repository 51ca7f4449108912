"""The whole system as real processes for the browser tests: the local OIDC provider, the five
services accepting only its tokens (JWKS), the dev SMTP server and the web service, on fresh
databases and a private topic namespace over the shared broker."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
from shared.kafka import ensure_topics
from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import create_database, drop_database
from testkit.harness.process import ServiceProcess
from testkit.harness.service import unique_prefix
from web import devoidc

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("applicant", "matching", "approval", "notification", "monitor")
LOGS = ROOT / ".local" / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WebSystem:
    prefix: str
    oidc_port: int
    ports: dict[str, int]
    dsns: dict[str, str] = field(default_factory=dict)
    procs: dict[str, ServiceProcess] = field(default_factory=dict)
    others: list[subprocess.Popen] = field(default_factory=list)
    mail: Path | None = None  # the dev SMTP server's folder: one .eml file per message

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.ports['web']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def client(self, service: str, client_id: str) -> httpx.Client:
        """An API client acting as a persona, with a real client-credentials token."""
        token = devoidc.client_token(self.oidc_port, client_id)
        return httpx.Client(base_url=self.url(service), timeout=30.0,
                            headers={"Authorization": f"Bearer {token}"})

    def publish(self, host: str, **fields) -> dict:
        with self.client("matching", host) as api:
            response = api.post("/opportunities", json=opportunity(**fields))
        assert response.status_code == 201, response.text
        return response.json()

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.stop()
        for other in self.others:
            if other.poll() is None:
                other.terminate()
                other.wait(15)


def opportunity(**fields) -> dict:
    today = date.today()
    return {"host_name": "Windco Ltd", "host_staff_count": 120, "host_sector": "clean_energy",
            "country": "GB", "region": "North West", "scheme": "industry",
            "title": "Offshore wind policy secondment", "sector": "clean_energy",
            "required_skills": ["policy"], "start_window_from": str(today + timedelta(60)),
            "start_window_to": str(today + timedelta(240)), "length_months": 6,
            "clearance_needed": "none", "capacity": 5,
            "closing_date": str(today + timedelta(30)), **fields}


def _spawn_provider(system: WebSystem) -> None:
    cmd, env = devoidc.command(ROOT, system.oidc_port)  # fetches the jars on a first run
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"web-{system.prefix}oidc.log", "ab")  # noqa: SIM115 - the child's
    system.others.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))


# Security vetting falls due seconds after it opens, so the approver tests see an overdue stage
# without waiting days; it expires only after a day (3 s x 30,000), long after any test ends.
SHORT_VETTING_SLA = {"APPROVAL_SLA_DUE_SECONDS": '{"security_vetting": 3}',
                     "APPROVAL_SLA_EXPIRY_FACTOR": "30000", "APPROVAL_TIMER_POLL_SECONDS": "0.2"}


def _service_env(system: WebSystem, name: str, bootstrap: str, smtp_port: int,
                 auth: dict[str, str]) -> dict[str, str]:
    p = name.upper() + "_"
    env = {p + "HTTP_PORT": str(system.ports[name]), p + "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           p + "DATABASE_URL": system.dsns[name], p + "TOPIC_PREFIX": system.prefix,
           p + "OUTBOX_POLL_SECONDS": "0.05"}
    if name == "approval":
        env.update(SHORT_VETTING_SLA)
    if name == "notification":
        env.update({p + "SMTP_HOST": "127.0.0.1", p + "SMTP_PORT": str(smtp_port),
                    p + "APPLICANT_URL": system.url("applicant")})
    return env | {k: v for k, v in auth.items() if k.startswith(p)}


async def start_web_system(tmp: Path, web_env: dict[str, str] | None = None) -> WebSystem:
    bootstrap = kafka_bootstrap_servers()
    system = WebSystem(prefix=unique_prefix(), oidc_port=free_port(),
                       ports={n: free_port() for n in (*SERVICES, "web")})
    try:
        await _start(system, tmp, bootstrap, web_env or {})
    except BaseException:
        await stop_web_system(system)
        raise
    return system


async def _start(system: WebSystem, tmp: Path, bootstrap: str, web_env: dict) -> None:
    await asyncio.to_thread(_spawn_provider, system)
    smtp_port, system.mail = free_port(), tmp / "mail"
    system.others.append(subprocess.Popen(  # noqa: ASYNC220 - only forks
        [sys.executable, "-m", "notification.devsmtp", "--port", str(smtp_port),
         "--maildir", str(system.mail)], cwd=ROOT))
    await ensure_topics(bootstrap, system.prefix)
    for name in SERVICES:
        system.dsns[name] = await create_database(f"web_{name}")
    await asyncio.to_thread(devoidc.wait_ready, system.oidc_port)
    auth = await asyncio.to_thread(devoidc.services_env, system.oidc_port, list(SERVICES))
    for name in SERVICES:
        system.procs[name] = ServiceProcess(
            name, _service_env(system, name, bootstrap, smtp_port, auth), system.ports[name],
            LOGS / f"web-{system.prefix}{name}.log")
    env = devoidc.web_env(system.ports["web"], system.oidc_port,
                          {n: system.url(n) for n in SERVICES}) | web_env
    system.procs["web"] = ServiceProcess("web", env, system.ports["web"],
                                         LOGS / f"web-{system.prefix}web.log")
    await asyncio.gather(*(asyncio.to_thread(start_once_more, p)
                           for p in system.procs.values()))


def start_once_more(proc: ServiceProcess) -> None:
    """Start; a service that exits at start-up is started once more. On a loaded shared broker
    a freshly created topic's metadata can lag, and aiokafka's consumer start then gives up."""
    try:
        proc.start(240)
    except RuntimeError:
        proc.start(240)


async def stop_web_system(system: WebSystem) -> None:
    system.stop()
    for dsn in system.dsns.values():
        await drop_database(dsn)


def extra_web(system: WebSystem, **settings: str) -> ServiceProcess:
    """Another web process over the same system with different settings (a short idle
    timeout, an API address where nothing listens): the caller stops it."""
    port = free_port()
    env = devoidc.web_env(port, system.oidc_port, {n: system.url(n) for n in SERVICES})
    env |= {f"WEB_{k.upper()}": v for k, v in settings.items()}
    return ServiceProcess("web", env, port, LOGS / f"web-{system.prefix}web-{port}.log")
