"""The Kafka broker tests run against (docs/architecture.md §6), picked once per process, in order:

1. `KAFKA_BOOTSTRAP_SERVERS` when set (a broker someone else runs);
2. a testcontainers broker from the official apache/kafka image when a Docker engine answers;
3. the local KRaft broker, started or reused by `python -m bps_local.kafka ensure` (the
   checkout's local runtime, deploy/local).
"""

from __future__ import annotations

import atexit
import functools
import http.client
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from testkit.harness.process import free_port

KAFKA_CLI = "bps_local.kafka"
KAFKA_IMAGE = os.environ.get("BPS_KAFKA_IMAGE", "apache/kafka:4.4.0")


@functools.cache
def kafka_bootstrap_servers() -> str:
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if given:
        return given
    if docker_answers():
        return _start_container()
    return _local_broker()


def _local_broker() -> str:
    done = subprocess.run([sys.executable, "-m", KAFKA_CLI, "ensure"], capture_output=True,
                          text=True, timeout=240)
    if done.returncode != 0:
        raise RuntimeError(f"could not start the local Kafka broker "
                           f"(`python -m {KAFKA_CLI} ensure`):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def docker_answers(timeout: float = 1.0) -> bool:
    """True when a Docker engine replies to GET /_ping within `timeout` seconds."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    url = urlparse(host)
    try:
        if url.scheme == "unix":
            if not Path(url.path).exists():
                return False
            conn: http.client.HTTPConnection = _UnixHTTPConnection(url.path, timeout)
        elif url.scheme in ("tcp", "http"):
            conn = http.client.HTTPConnection(url.hostname or "localhost", url.port or 2375,
                                              timeout=timeout)
        else:
            return False  # ssh:// and friends: leave those to an explicit KAFKA_BOOTSTRAP_SERVERS
        conn.request("GET", "/_ping")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False



def _start_container() -> str:
    """A single-node KRaft broker from the official image, configured like the local one."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    # The advertised address must be the one the host reaches, so bind a fixed free host port to
    # the same container port instead of letting Docker choose one after the fact.
    port = free_port()
    docker_host = urlparse(os.environ.get("DOCKER_HOST", "unix://")).hostname
    host, bind = (docker_host, "0.0.0.0") if docker_host else ("127.0.0.1", "127.0.0.1")
    env = {
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://localhost:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{port}",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "false",
        "KAFKA_NUM_PARTITIONS": "3",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS": "3",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }
    # docker-py takes (interface, port) for the host side, although the hint says int.
    container = DockerContainer(KAFKA_IMAGE).with_bind_ports(port, (bind, port))  # type: ignore[arg-type]
    for key, value in env.items():
        container = container.with_env(key, value)
    container.start()
    atexit.register(container.stop)
    wait_for_logs(container, "Kafka Server started", timeout=120)
    return f"{host}:{port}"
