"""Real Apache Kafka (KRaft) without Docker: one local broker, or a three-node test cluster.

  single broker   127.0.0.1:19092 (controller 19093)          port: $BPS_KAFKA_PORT
  cluster         127.0.0.1:29092, 29192, 29292 (+1 each)      base: $BPS_KAFKA_CLUSTER_BASE_PORT

Examples (from the project's environment, e.g. `uv run python -m bps_local.kafka ...`):
  python -m bps_local.kafka fetch            # download the jars (Maven) if missing
  python -m bps_local.kafka ensure           # start or reuse; the last stdout line = bootstrap
  python -m bps_local.kafka topics           # create the catalogue topics + .dlq twins
  python -m bps_local.kafka status
  python -m bps_local.kafka stop
  python -m bps_local.kafka cluster start    # three nodes, RF 3, min.insync.replicas 2
  python -m bps_local.kafka topics --bootstrap 127.0.0.1:29092 --replication 3 \
      --min-insync-replicas 2                # (or BPS_TOPIC_REPLICATION_FACTOR=3 ...)
  python -m bps_local.kafka cluster stop

Importable: ensure_single(), ensure_cluster(), stop_single(), stop_cluster(), cluster_pids(),
node_pid(), single_node() and serving() (tests start, kill and stop brokers with them).
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from pathlib import Path

from bps_local import kafka_probe, kafka_sasl, procs
from bps_local.kafka_nodes import (
    CLUSTER_DIR,
    LIB,
    KafkaError,
    Node,
    cluster_bootstrap,
    cluster_nodes,
    fetch_jars,
    jars_ready,
    say,
    single_node,
)
from bps_local.kafka_process import (
    BIND_TROUBLE,
    STORAGE_TROUBLE,
    check_ports,
    diagnosis,
    launch,
    node_pid,
    output_since_launch,
    stop_nodes,
    wait_ready,
)
from bps_local.kafka_process import serving as node_serving
from bps_local.kafka_storage import (
    format_nodes,
    formatted_and_fits,
    new_cluster_id,
    wipe,
    write_properties,
)

__all__ = ["KafkaError", "Node", "cluster_bootstrap", "cluster_nodes", "cluster_pids",
           "ensure_cluster", "ensure_single", "fetch", "node_pid", "serving", "single_node",
           "stop_cluster", "stop_single"]

serving = kafka_probe.serving


@contextlib.contextmanager
def _exclusive(home: Path):
    """One process at a time per broker folder: parallel test sessions all call `ensure`."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".kafka-py.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another process working on {home}...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def fetch(force: bool = False) -> Path:
    """Download the broker jars with Maven into .local/kafka/lib/ unless they are there."""
    if jars_ready() and not force:
        return LIB
    with _exclusive(LIB.parent):
        if jars_ready() and not force:  # another process fetched them while we waited
            return LIB
        return fetch_jars()


def _start_nodes(nodes: list[Node], cluster_id: str | None, timeout: float) -> dict[str, int]:
    fetch()
    for node in nodes:  # before touching anything: a busy port is the user's to resolve
        if node_pid(node) is None or not formatted_and_fits(node, cluster_id):
            check_ports(node)
    for attempt in (1, 2):
        for node in nodes:
            write_properties(node)
            if node_pid(node) is not None and not formatted_and_fits(node, cluster_id):
                say(f"{node.name}: running with another layout (port or cluster changed); "
                    "stopping it")
                stop_nodes([node])
        format_nodes(nodes, cluster_id)
        pids = {n.name: node_pid(n) or launch(n) for n in nodes}
        dead = wait_ready(nodes, pids, timeout)
        if dead is None:
            return pids
        node = next(n for n in nodes if n.name == dead)
        node.pid_file.unlink(missing_ok=True)
        text = output_since_launch(node)
        stop_nodes(nodes)
        if BIND_TROUBLE.search(text):
            raise KafkaError(f"{node.name}: could not bind 127.0.0.1:{node.port} or "
                             f":{node.controller_port} (port busy). Free it or set "
                             f"{node.port_variable} to another port.\n{diagnosis(node)}")
        if attempt == 1 and STORAGE_TROUBLE.search(text):
            for n in nodes if node.cluster else [node]:
                wipe(n, "the broker rejected its stored data")
            continue
        raise KafkaError(f"{node.name}: the broker exited during startup.\n{diagnosis(node)}")
    raise AssertionError("unreachable")


def ensure_single(port: int | None = None, data_dir: Path | None = None,
                  timeout: float = 90.0, sasl: bool = False) -> str:
    """Start the single local broker unless it already serves; return its bootstrap address.
    With `sasl`, clients must log in with SCRAM and ACLs decide what each service may do."""
    node = single_node(port, data_dir, sasl)
    with _exclusive(node.home):
        if sasl and node_pid(node) is not None and not formatted_and_fits(node):
            raise KafkaError(f"a broker without SASL runs from {node.home}; stop it first, or "
                             "give --sasl its own --port and --data-dir")
        bootstrap = _ensure_single(node, timeout)
        if sasl:
            kafka_sasl.apply_acls(node)
        return bootstrap


def _ensure_single(node: Node, timeout: float) -> str:
    pid = node_pid(node)
    if pid is not None and node_serving(node):
        return node.bootstrap
    if pid is None and not procs.port_free(node.port):
        found = kafka_probe.describe_now(node.bootstrap)
        if found is not None and not node.sasl:
            _say_reused(node, found)
            return node.bootstrap
    started = time.monotonic()
    _start_nodes([node], None, timeout)
    say(f"broker ready on {node.bootstrap} in {time.monotonic() - started:.1f}s "
        f"(pid {node_pid(node)}, log {node.log})")
    return node.bootstrap


def _say_reused(node: Node, found: kafka_probe.ClusterInfo) -> None:
    """Reusing a broker someone else started is allowed (tests and other checkouts share one),
    but never silently: it may be another version, configured differently, or go away."""
    say(f"NOTE: port {node.port} already has a Kafka broker that this checkout did not start "
        f"(cluster id {found.cluster_id}, {len(found.brokers)} broker(s); "
        f"{procs.listener(node.port)}).\n"
        f"kafka: using it as is. For this checkout's own broker, stop that one (`make stop` in "
        f"the checkout that started it) or pick a free port: "
        f"{node.port_variable}=<port> make run")


def stop_single(port: int | None = None, data_dir: Path | None = None) -> bool:
    node = single_node(port, data_dir)
    with _exclusive(node.home):
        return bool(stop_nodes([node]))


def ensure_cluster(base_port: int | None = None, timeout: float = 120.0) -> str:
    """Start (or complete) the three-node cluster; return its bootstrap list."""
    with _exclusive(CLUSTER_DIR):
        nodes = cluster_nodes(base_port)
        cid_file = CLUSTER_DIR / "cluster.id"
        cluster_id = cid_file.read_text().strip() if cid_file.exists() else ""
        if not cluster_id or not all(formatted_and_fits(n, cluster_id) for n in nodes):
            if any(node_pid(n) for n in nodes):  # a live node of an unknown layout: start over
                stop_nodes(nodes)
            for node in nodes:
                wipe(node, "cluster layout changed or incomplete")
            cluster_id = new_cluster_id()
            cid_file.write_text(cluster_id + "\n")
        started = time.monotonic()
        _start_nodes(nodes, cluster_id, timeout)
        say(f"cluster ready on {cluster_bootstrap(base_port)} in "
            f"{time.monotonic() - started:.1f}s")
        return cluster_bootstrap(base_port)


def stop_cluster(base_port: int | None = None) -> list[str]:
    with _exclusive(CLUSTER_DIR):
        return stop_nodes(cluster_nodes(base_port))


def cluster_pids(base_port: int | None = None) -> dict[int, int]:
    """node id -> pid for every running cluster node (tests SIGKILL one of these)."""
    return {n.node_id: pid for n in cluster_nodes(base_port) if (pid := node_pid(n))}


if __name__ == "__main__":
    import sys

    from bps_local.kafka_cli import main

    sys.exit(main())
