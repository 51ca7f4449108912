"""A private single KRaft broker with TLS listeners, for tests: its own ports and data folder
(the shared broker is never touched), started from the Maven jars in .local/kafka/lib the way
bps_local.kafka starts one, with the certificates and listener lines of
bps_local.tls.

Two client listeners: SSL with mutual TLS (client certificate required; the inter-broker
listener too) on `port`, and SASL_SSL (SCRAM over TLS, no client certificate) on `port + 2`;
the controller listens on `port + 1`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from aiokafka.helpers import create_ssl_context
from bps_local import tls as local_tls
from shared.kafka import make_admin

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / ".local" / "kafka" / "lib"
JVM = ["-Xmx384m", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
       "-Djava.awt.headless=true", f"-Dlog4j2.configurationFile={ROOT}/deploy/local/log4j2.yaml"]
BASE_PROPERTIES = """\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller}
log.dirs={data}
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
"""


def tls_module() -> ModuleType:
    return local_tls


@dataclass
class TlsBroker:
    home: Path
    port: int
    certs: Any  # tls.Certs
    scram: dict[str, str]  # user -> password on the SASL_SSL listener
    proc: subprocess.Popen | None = None

    @property
    def ssl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"127.0.0.1:{self.port + 2}"

    def client_auth(self) -> dict[str, Any]:
        """aiokafka options of a client holding a certificate from the broker's CA."""
        context = create_ssl_context(cafile=self.certs.ca, certfile=self.certs.client_cert,
                                     keyfile=self.certs.client_key)
        return {"security_protocol": "SSL", "ssl_context": context}

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for name in ("console.out", "kafka.log"):
            path = self.home / name
            if path.exists():
                text += f"--- {path} ---\n" + "\n".join(
                    path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text


def _java(*main: str, log: Path) -> list[str]:
    return ["java", *JVM, f"-Dbps.kafka.log={log}", "-cp", f"{LIB}/*", *main]


def ensure_jars() -> None:
    if not (LIB / ".fetched").exists():  # kafka.py's marker of a complete fetch
        subprocess.run([sys.executable, "-m", "bps_local.kafka", "fetch"],
                       check=True, timeout=900)


async def start(home: Path, port: int, timeout: float = 240.0) -> TlsBroker:
    """Make certificates, format the storage and start the broker; returns once a client
    with a certificate lists topics over SSL."""
    broker = await asyncio.to_thread(_launch, home, port)
    try:
        await _wait_ready(broker, timeout)
    except BaseException:
        await asyncio.to_thread(stop, broker)
        raise
    return broker


def _launch(home: Path, port: int) -> TlsBroker:
    tls = tls_module()
    ensure_jars()
    home.mkdir(parents=True, exist_ok=True)
    broker = TlsBroker(home, port, tls.make_certs(home / "tls"),
                       {user: secrets.token_urlsafe(12) for user in ("admin", "applicant")})
    listeners = [tls.Listener("SSL", port, "required"), tls.Listener("SASL_SSL", port + 2)]
    properties = home / "server.properties"
    properties.write_text(BASE_PROPERTIES.format(controller=port + 1, data=home / "data")
                          + tls.server_properties(broker.certs, listeners, port + 1,
                                                  ("admin", broker.scram["admin"])))
    # A KRaft cluster id has the shape of Kafka's Uuid: URL-safe base64 of 16 bytes; one
    # starting with "-" would read as an option.
    cluster_id = "-"
    while cluster_id.startswith("-"):
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    fmt = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(properties),
           "--standalone"]
    for user, password in broker.scram.items():  # SCRAM logins live in the metadata log
        fmt += ["--add-scram", f"SCRAM-SHA-256=[name={user},password={password}]"]
    subprocess.run(_java(*fmt, log=home / "kafka.log"), check=True, capture_output=True,
                   timeout=180)
    with open(home / "console.out", "ab") as out:
        broker.proc = subprocess.Popen(_java("kafka.Kafka", str(properties),
                                             log=home / "kafka.log"),
                                       stdout=out, stderr=subprocess.STDOUT, cwd=home,
                                       start_new_session=True)
    return broker


async def _wait_ready(broker: TlsBroker, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker.proc.poll() is not None:
            raise RuntimeError(f"the TLS broker exited ({broker.proc.returncode}):\n"
                               + broker.log_tail())
        admin = make_admin(broker.ssl_bootstrap, "tls-probe", broker.client_auth(),
                           request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception:  # not listening yet, or still electing itself
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
    raise TimeoutError(f"the TLS broker did not answer within {timeout:.0f}s:\n"
                       + broker.log_tail())


def stop(broker: TlsBroker) -> None:
    if broker.proc is None or broker.proc.poll() is not None:
        return
    broker.proc.send_signal(signal.SIGTERM)
    try:
        broker.proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(broker.proc.pid, signal.SIGKILL)  # its own session: only the broker
        broker.proc.wait(10)
