"""A node as an OS process: find it (pid file, else its command line), launch it, wait until it
serves, stop it."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from pathlib import Path

import psutil

from bps_local import LOGS, kafka_probe, kafka_sasl, procs
from bps_local.kafka_nodes import KafkaError, Node, java_command, say, tail_text
from bps_local.kafka_storage import stored_layout

BIND_TROUBLE = re.compile(r"Address already in use|BindException|Socket server failed to bind")
STORAGE_TROUBLE = re.compile(
    r"InconsistentClusterIdException|meta\.properties|not formatted|Failed to acquire lock|"
    r"CorruptRecordException|InvalidOffsetException|Invalid cluster\.id|KafkaStorageException|"
    r"directory\.id|Unable to read the log file|NoSuchFileException")
_log_marks: dict[str, tuple[int, int]] = {}  # node home -> console/log sizes at its launch


def _is_ours(cmdline: list[str], node: Node) -> bool:
    return "kafka.Kafka" in cmdline and str(node.properties) in cmdline


def _ours(node: Node) -> list[psutil.Process]:
    return procs.find(lambda cmd: _is_ours(cmd, node))


def node_pid(node: Node) -> int | None:
    """The pid of this node's broker if it runs; a stale pid file is removed and ignored."""
    with contextlib.suppress(OSError, ValueError, psutil.Error):
        proc = procs.process(int(node.pid_file.read_text().strip()))
        if proc is not None and _is_ours(proc.cmdline(), node):
            return proc.pid
    node.pid_file.unlink(missing_ok=True)
    # The pid file may be gone while the broker lives on (e.g. a deleted .local/kafka): adopt it.
    for other in _ours(node):
        node.pid_file.write_text(f"{other.pid}\n")
        return other.pid
    return None


def serving(node: Node, expect_brokers: int = 1) -> bool:
    """Whether this node answers a metadata request (as admin when it runs with SASL)."""
    sasl = node.sasl or stored_layout(node).get("sasl", False)  # `status` does not say --sasl
    auth = kafka_sasl.admin_login(node) if sasl else None
    return kafka_probe.serving(node.bootstrap, expect_brokers, auth)


def check_ports(node: Node) -> None:
    for port in (node.port, node.controller_port):
        if not procs.port_free(port):
            what = "broker" if port == node.port else "controller (broker port + 1)"
            raise KafkaError(
                f"{node.name}: port {port} (its {what} port) is busy with something that is "
                f"not this broker ({procs.listener(port)}). Free the port, or choose other "
                f"ports with {node.port_variable}=<port>.")


def launch(node: Node) -> int:
    check_ports(node)
    LOGS.mkdir(parents=True, exist_ok=True)
    _log_marks[str(node.home)] = tuple(p.stat().st_size if p.exists() else 0
                                       for p in (node.console, node.log))
    with open(node.console, "ab") as out:
        out.write(f"\n--- start {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n".encode())
        out.flush()
        proc = subprocess.Popen(java_command(node, ["kafka.Kafka", str(node.properties)]),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=node.home, start_new_session=True, close_fds=True)
    node.pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def stop_nodes(nodes: list[Node], timeout: float = 30.0) -> list[str]:
    """Stop the nodes together (SIGTERM, SIGKILL after `timeout`); returns what was stopped."""
    found: dict[str, psutil.Process] = {}
    for node in nodes:
        pid = node_pid(node)
        for proc in _ours(node):
            found[node.name if proc.pid == pid else f"{node.name} (stray {proc.pid})"] = proc
    # Together: a KRaft cluster stopped one by one can lose its quorum midway and leave the
    # last nodes waiting on a controller until the SIGKILL fallback.
    for proc in found.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _wait_stopped(list(found.values()), timeout)
    for node in nodes:
        node.pid_file.unlink(missing_ok=True)
    return list(found)


def _wait_stopped(running: list[psutil.Process], timeout: float) -> None:
    whole_cluster = len(running) > 1
    deadline = time.monotonic() + timeout
    alone_since = None
    while running and time.monotonic() < deadline:
        _gone, running = psutil.wait_procs(running, timeout=0.2)
        if whole_cluster and len(running) == 1:
            # The last node of a whole-cluster stop is the Raft leader. Its broker part (the
            # data logs) has already shut down cleanly; it now spends 5 s trying to hand the
            # leadership to voters that are gone. Nothing is left to protect, so cut it short.
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since > 1.5:
                break
    if running and not whole_cluster:
        say(f"pid {running[0].pid} outlived SIGTERM for {timeout:.0f}s; sending SIGKILL")
    procs.kill(running)


def output_since_launch(node: Node) -> str:
    """What this launch wrote (console and log), so old runs' errors are not blamed on it."""
    console_at, log_at = _log_marks.get(str(node.home), (0, 0))
    text = ""
    for path, offset in ((node.console, console_at), (node.log, log_at)):
        with contextlib.suppress(OSError), open(path, "rb") as f:
            f.seek(offset if offset <= path.stat().st_size else 0)
            text += f.read().decode(errors="replace") + "\n"
    return text


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return tail_text(path.read_text(errors="replace"), lines)
    except OSError:
        return "(no log yet)"


def diagnosis(node: Node) -> str:
    return (f"--- {node.console} (last lines) ---\n{_tail(node.console)}\n"
            f"--- {node.log} (last lines) ---\n{_tail(node.log)}")


def wait_ready(nodes: list[Node], pids: dict[str, int], timeout: float) -> str | None:
    """Wait until every node answers metadata listing all nodes; returns the name of a node
    whose process died instead (None on success). Raises KafkaError on timeout."""
    expect = len(nodes)
    deadline = time.monotonic() + timeout
    pending = {n.name for n in nodes}
    while time.monotonic() < deadline:
        for node in nodes:
            if node.name in pending and not procs.alive(pids[node.name]):
                with contextlib.suppress(psutil.Error):
                    psutil.Process(pids[node.name]).wait(0)  # reap our own child
                return node.name
        for node in nodes:
            if node.name in pending and serving(node, expect):
                pending.discard(node.name)
        if not pending:
            return None
        time.sleep(0.2)
    names = ", ".join(sorted(pending))
    details = "\n".join(diagnosis(n) for n in nodes if n.name in pending)
    raise KafkaError(f"{names} did not answer a metadata request listing {expect} broker(s) "
                     f"within {timeout:.0f}s (still running; `stop` it or look at):\n{details}")
