#!/usr/bin/env python3
"""Real Apache Kafka (KRaft) without Docker: one local broker, or a three-node test cluster.

The broker jars come from Maven Central (deploy/local/pom.xml) into .local/kafka/lib/; each node
is `java -cp '.local/kafka/lib/*' kafka.Kafka server.properties` in combined broker+controller
mode, listening on 127.0.0.1 only, with its data, pid file and console output under .local/kafka/
and its log under .local/logs/. Everything under .local/ is throw-away: a data folder left by a
killed run is reused when it still fits, and wiped and reformatted when it does not.

  single broker   127.0.0.1:19092 (controller 19093)          port: $BPS_KAFKA_PORT
  cluster         127.0.0.1:29092, 29192, 29292 (+1 each)      base: $BPS_KAFKA_CLUSTER_BASE_PORT

Examples:
  python deploy/local/kafka.py fetch                 # download the jars (Maven) if missing
  python deploy/local/kafka.py ensure                # start or reuse; last line = bootstrap
  python deploy/local/kafka.py topics                # create the catalogue topics + .dlq twins
  python deploy/local/kafka.py status
  python deploy/local/kafka.py stop
  python deploy/local/kafka.py cluster start         # three nodes, RF 3, min.insync.replicas 2
  python deploy/local/kafka.py topics --bootstrap 127.0.0.1:29092 --replication 3
  python deploy/local/kafka.py cluster stop

Stdlib only except `topics`, which needs aiokafka and the contracts package (run it with
`uv run`). The functions ensure_single(), ensure_cluster(), stop_single(), stop_cluster(),
cluster_pids() and metadata() are importable for tests.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LOG4J = HERE / "log4j2.yaml"
LOCAL = ROOT / ".local"
LIB = LOCAL / "kafka" / "lib"
LOGS = LOCAL / "logs"
SINGLE_DIR = LOCAL / "kafka" / "single"
CLUSTER_DIR = LOCAL / "kafka" / "cluster"
CLUSTER_SIZE = 3
NODE_PORT_STEP = 100  # node i listens on base + 100*i, its controller on base + 100*i + 1

SINGLE_HEAP = "-Xmx512m -Xms256m"
CLUSTER_HEAP = "-Xmx384m -Xms128m"
# Measured on a 2-core box: serial GC and C1-only JIT start the broker in ~3.0 s instead of
# ~5.5-6.8 s (G1, tiered C2) and use less CPU while three nodes share two cores; throughput is
# still far above what the tests need.
JVM_OPTS = ("-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError "
            "-Djava.awt.headless=true -Dlog4j2.formatMsgNoLookups=true")


class KafkaError(RuntimeError):
    """A failure with a message meant for a person (no stack trace needed)."""


def say(msg: str) -> None:
    print(f"kafka: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- ports and layout

def single_port() -> int:
    return _env_port("BPS_KAFKA_PORT", 19092)


def cluster_base_port() -> int:
    return _env_port("BPS_KAFKA_CLUSTER_BASE_PORT", 29092)


def _env_port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise KafkaError(f"{name}={raw!r} is not a port number") from None
    if not 1024 <= port <= 65000:
        raise KafkaError(f"{name}={port} is outside 1024..65000")
    return port


@dataclass(frozen=True)
class Node:
    """One KRaft process (broker + controller) with everything it owns on disk."""

    name: str  # "single", "node1".."node3"
    node_id: int
    port: int
    home: Path
    port_variable: str
    cluster: bool
    sasl: bool = False  # SASL/SCRAM with per-service principals and ACLs (start --sasl)

    @property
    def controller_port(self) -> int:
        return self.port + 1

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def properties(self) -> Path:
        return self.home / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def layout_file(self) -> Path:
        return self.home / "layout.json"

    @property
    def console(self) -> Path:
        return self.home / "console.out"

    @property
    def log(self) -> Path:
        if self.home.parent in (LOCAL / "kafka", CLUSTER_DIR):
            return LOGS / f"kafka-{self.name}.log"
        return self.home / "kafka.log"  # a --data-dir of its own keeps its log to itself


def single_node(port: int | None = None, data_dir: Path | None = None,
                sasl: bool = False) -> Node:
    return Node("single", 1, port or single_port(), Path(data_dir or SINGLE_DIR).resolve(),
                "BPS_KAFKA_PORT", cluster=False, sasl=sasl)


def cluster_nodes(base_port: int | None = None) -> list[Node]:
    base = base_port or cluster_base_port()
    return [Node(f"node{i + 1}", i + 1, base + NODE_PORT_STEP * i, CLUSTER_DIR / f"node{i + 1}",
                 "BPS_KAFKA_CLUSTER_BASE_PORT", cluster=True) for i in range(CLUSTER_SIZE)]


def cluster_bootstrap(base_port: int | None = None) -> str:
    return ",".join(n.bootstrap for n in cluster_nodes(base_port))


# --------------------------------------------------------------------------------- jars (fetch)

def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:16]


def jars_ready() -> bool:
    marker = LIB / ".fetched"
    return marker.exists() and marker.read_text().strip() == _pom_digest()


def kafka_version() -> str:
    for jar in LIB.glob("kafka_2.13-*.jar"):
        return jar.name.removeprefix("kafka_2.13-").removesuffix(".jar")
    return "unknown"


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise KafkaError("`java` was not found; Kafka 4 needs Java 17 or newer. Install it, e.g. "
                         "`apt-get install openjdk-17-jre-headless`, and run again.")
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if m:
        major = int(m.group(1)) if m.group(1) != "1" else int(m.group(2) or 0)
        if major < 17:
            raise KafkaError(f"Java {major} found at {java}; Kafka 4 needs Java 17 or newer "
                             "(`apt-get install openjdk-17-jre-headless`).")
    return java


def fetch(force: bool = False) -> Path:
    """Download the broker jars with Maven into .local/kafka/lib/ unless they are there."""
    if jars_ready() and not force:
        return LIB
    with _exclusive(LIB.parent):
        if jars_ready() and not force:  # another kafka.py fetched them while we waited
            return LIB
        return _fetch()


def _fetch() -> Path:
    _require_java()
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaError("`mvn` (Maven) was not found; it fetches the Kafka jars from Maven "
                         "Central. Install it, e.g. `apt-get install maven`, and run again.")
    say(f"fetching Kafka jars with Maven into {LIB.relative_to(ROOT)} (first run only)...")
    started = time.monotonic()
    tmp = LIB.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
           f"-DoutputDirectory={tmp}"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    if done.returncode != 0 or not list(tmp.glob("kafka_2.13-*.jar")):
        shutil.rmtree(tmp, ignore_errors=True)
        raise KafkaError("Maven could not fetch the Kafka jars (is Maven Central reachable?):\n"
                         + _tail_text(done.stdout + done.stderr, 30))
    shutil.rmtree(HERE / "target", ignore_errors=True)
    shutil.rmtree(LIB, ignore_errors=True)
    tmp.rename(LIB)
    (LIB / ".fetched").write_text(_pom_digest() + "\n")
    say(f"fetched Kafka {kafka_version()} in {time.monotonic() - started:.1f}s")
    return LIB


# ------------------------------------------------------------------------------ configuration

def _server_properties(node: Node) -> str:
    if node.cluster:
        nodes = cluster_nodes(node.port - NODE_PORT_STEP * (node.node_id - 1))
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes)
        quorum = f"controller.quorum.voters={voters}"
        rf, min_isr = CLUSTER_SIZE, 2
    else:
        quorum = f"controller.quorum.bootstrap.servers=127.0.0.1:{node.controller_port}"
        rf, min_isr = 1, 1
    listeners = _sasl_listeners(node) if node.sasl else f"""\
listeners=PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{node.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"""
    return f"""# Written by deploy/local/kafka.py on every start; edit that file, not this one.
process.roles=broker,controller
node.id={node.node_id}
{quorum}
{listeners}
log.dirs={node.data}

# Topics are created explicitly from contracts.topics.TOPICS (`kafka.py topics`).
auto.create.topics.enable=false
num.partitions=3
default.replication.factor={rf}
min.insync.replicas={min_isr}
offsets.topic.replication.factor={rf}
offsets.topic.num.partitions=3
transaction.state.log.replication.factor={rf}
transaction.state.log.min.isr={min_isr}
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor={rf}
share.coordinator.state.topic.min.isr={min_isr}
unclean.leader.election.enable=false

# Sized for a small (2-core) box and throw-away data.
num.network.threads=2
num.io.threads=2
num.replica.fetchers=1
num.recovery.threads.per.data.dir=1
background.threads=2
log.retention.hours=2
log.retention.check.interval.ms=60000
log.segment.bytes=67108864
group.initial.rebalance.delay.ms=0
controlled.shutdown.enable=true

# React to a SIGKILLed node within seconds (defaults: 9 s session, 30 s replica lag). This also
# lets a broker restarted after a SIGKILL re-register at once instead of waiting ~10 s for the
# session of its previous life to expire.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
replica.lag.time.max.ms=5000
"""


# ------------------------------------------------------------------ SASL/SCRAM and ACLs (opt-in)
#
# `start --sasl` runs the single broker with SASL/SCRAM-SHA-256 on its client listener, a
# principal per service (plus `admin`, the only super user), and StandardAuthorizer ACLs from
# the topic catalogue: each service writes only the topics it owns (docs/architecture.md §3) and the
# dead-letter twins of the topics it reads, reads only the topics it consumes, and joins only
# consumer groups named after itself. Passwords are random, made once per data folder, and
# kept in <data folder>/sasl-users.json (mode 600); `sasl-env SERVICE` prints a service's
# settings. The controller listener (loopback, broker-to-controller only) uses SASL PLAIN with
# the admin password: SCRAM cannot authenticate controllers, whose credentials it stores.

SCRAM = "SCRAM-SHA-256"
ADMIN = "admin"
ACL_TOOL = HERE / "KafkaAcls.java"


def sasl_users(node: Node) -> dict[str, str]:
    """user -> password for `admin` and every service, created on first use."""
    path = node.home / "sasl-users.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text())
    import secrets

    users = {name: secrets.token_urlsafe(18) for name in (ADMIN, *_import_catalogue().SERVICES)}
    node.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(users, f, indent=2)
    return users


def sasl_credentials(port: int | None = None, data_dir: Path | None = None) -> dict[str, str]:
    return sasl_users(single_node(port, data_dir, sasl=True))


def sasl_env(service: str, port: int | None = None, data_dir: Path | None = None) -> dict:
    """The environment a service needs to log in to the SASL broker as itself."""
    node = single_node(port, data_dir, sasl=True)
    users = sasl_users(node)
    if service not in users or service == ADMIN:
        raise KafkaError(f"no service principal {service!r}; known: "
                         + ", ".join(u for u in users if u != ADMIN))
    p = service.upper() + "_"
    return {p + "KAFKA_BOOTSTRAP_SERVERS": node.bootstrap,
            p + "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", p + "KAFKA_SASL_MECHANISM": SCRAM,
            p + "KAFKA_SASL_USERNAME": service, p + "KAFKA_SASL_PASSWORD": users[service]}


def _sasl_listeners(node: Node) -> str:
    admin = sasl_users(node)[ADMIN]
    scram_login = "org.apache.kafka.common.security.scram.ScramLoginModule"
    plain_login = "org.apache.kafka.common.security.plain.PlainLoginModule"
    return f"""\
listeners=SASL_PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{node.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms={SCRAM}
sasl.mechanism.inter.broker.protocol={SCRAM}
sasl.mechanism.controller.protocol=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms={SCRAM}
listener.name.sasl_plaintext.{SCRAM.lower()}.sasl.jaas.config={scram_login} required \
username="{ADMIN}" password="{admin}";
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config={plain_login} required \
username="{ADMIN}" password="{admin}" user_{ADMIN}="{admin}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:{ADMIN}
allow.everyone.if.no.acl.found=false"""


def acl_plan(prefix: str = "") -> list[tuple[str, str, str, str, str]]:
    """(principal, resource type, pattern type, name, operation) for every allow-ACL."""
    catalogue = _import_catalogue()
    acls: set[tuple[str, str, str, str, str]] = set()

    def allow(service: str, topic: str, *operations: str) -> None:
        for op in operations:
            acls.add((f"User:{service}", "TOPIC", "LITERAL", prefix + topic, op))

    for spec in catalogue.TOPICS:
        allow(spec.owner, spec.name, "WRITE", "DESCRIBE")  # the single writer
        for reader in spec.readers:
            allow(reader, spec.name, "READ", "DESCRIBE")
            allow(reader, spec.dlq, "WRITE", "DESCRIBE")  # its dead letters
        # The monitor shows every dead letter and replays one to where it came from; the
        # notification service tells HR about each one.
        allow("monitor", spec.dlq, "READ", "DESCRIBE")
        allow("monitor", spec.name, "WRITE")
        allow("notification", spec.dlq, "READ", "DESCRIBE")
    for service in catalogue.SERVICES:
        acls.add((f"User:{service}", "GROUP", "PREFIXED", service, "READ"))
    return sorted(acls)


def apply_acls(node: Node, prefix: str = "") -> int:
    """Create the ACLs of acl_plan() as admin (idempotent). The broker jars carry no ACL
    command-line tool, so a small Java program calls the Admin API (JDK 17 runs it from
    source). Returns how many bindings were sent."""
    plan = acl_plan(prefix)
    lines = [sasl_users(node)[ADMIN], *("|".join(acl) for acl in plan)]
    cmd = _java_command(node, [str(ACL_TOOL), node.bootstrap, ADMIN])
    done = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=180)
    if done.returncode != 0:
        raise KafkaError("creating ACLs failed:\n" + _tail_text(done.stdout + done.stderr, 20))
    return len(plan)


def _node_serving(node: Node, expect_brokers: int = 1) -> bool:
    with contextlib.suppress(OSError, ValueError):  # `status` does not say --sasl again
        node = Node(**{**node.__dict__, "sasl": node.sasl or json.loads(
            node.layout_file.read_text()).get("sasl", False)})
    if not node.sasl:
        return serving(node.bootstrap, expect_brokers)
    # Metadata needs a login; ApiVersions is answered before one, so it proves the listener.
    try:
        with socket.create_connection(("127.0.0.1", node.port), timeout=2.0) as s:
            s.settimeout(2.0)
            body = struct.pack(">hhi", 18, 0, 1) + _kstr("bps-kafka-probe")
            s.sendall(struct.pack(">i", len(body)) + body)
            size = struct.unpack(">i", _recv_exact(s, 4))[0]
            reply = _Reader(_recv_exact(s, size))
            reply.i32()  # correlation id
            return reply.i16() == 0
    except (OSError, struct.error):
        return False


def _cds_options(node: Node, dump: bool) -> list[str]:
    """Class-data sharing: the first broker that stops cleanly dumps the classes it loaded into
    an archive next to the jars; later starts map it and start ~40% faster (3.0 s -> 1.7 s
    measured). A missing or unusable archive is silently ignored by the JVM (-Xshare:auto).
    Set BPS_KAFKA_CDS=0 to turn it off."""
    if os.environ.get("BPS_KAFKA_CDS", "1") == "0":
        return []
    archive = LIB / "kafka.jsa"
    if not archive.exists():
        for dumped in LIB.glob("kafka-*.jsa.new"):
            writer = dumped.name.removeprefix("kafka-").removesuffix(".jsa.new")
            if not any(n.name == writer and node_pid(n) for n in [single_node(), *cluster_nodes()]):
                dumped.rename(archive)
                break
    if archive.exists():
        return [f"-XX:SharedArchiveFile={archive}"]
    if dump:
        return [f"-XX:ArchiveClassesAtExit={LIB / f'kafka-{node.name}.jsa.new'}"]
    return []


def _java_command(node: Node, main: list[str]) -> list[str]:
    heap = os.environ.get("KAFKA_HEAP_OPTS") or (CLUSTER_HEAP if node.cluster else SINGLE_HEAP)
    jvm = os.environ.get("KAFKA_JVM_PERFORMANCE_OPTS") or JVM_OPTS
    cds = _cds_options(node, dump=main[0] == "kafka.Kafka")
    return [_require_java(), *heap.split(), *jvm.split(), *cds,
            f"-Dlog4j2.configurationFile={LOG4J}", f"-Dbps.kafka.log={node.log}",
            f"-Dkafka.logs.dir={LOGS}", "-cp", f"{LIB}/*", *main]


def _new_cluster_id() -> str:
    # Same shape as Kafka's Uuid.toString(): URL-safe base64 of 16 random bytes, no padding.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _layout(node: Node, cluster_id: str) -> dict:
    return {"cluster_id": cluster_id, "kafka": kafka_version(), "port": node.port,
            "node_id": node.node_id, "cluster": node.cluster, "sasl": node.sasl}


def _meta_cluster_id(node: Node) -> str | None:
    meta = node.data / "meta.properties"
    try:
        for line in meta.read_text().splitlines():
            if line.startswith("cluster.id="):
                return line.split("=", 1)[1].strip()
    except OSError:
        return None
    return None


def _formatted_and_fits(node: Node, cluster_id: str | None = None) -> bool:
    """True when the data folder was formatted by us for exactly this layout."""
    try:
        layout = json.loads(node.layout_file.read_text())
    except (OSError, ValueError):
        return False
    cid = cluster_id or layout.get("cluster_id")
    return (layout == _layout(node, cid) and _meta_cluster_id(node) == cid
            # the format step writes bootstrap.checkpoint; the first start turns it into the log
            and any((node.data / f).exists()
                    for f in ("bootstrap.checkpoint", "__cluster_metadata-0")))


def _wipe(node: Node, why: str) -> None:
    if node.data.exists():
        say(f"{node.name}: {why}; wiping its throw-away data and reformatting")
    shutil.rmtree(node.data, ignore_errors=True)
    node.layout_file.unlink(missing_ok=True)


def _format_commands(node: Node, cluster_id: str) -> list[str]:
    args = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(node.properties)]
    if not node.cluster:
        args.append("--standalone")  # dynamic quorum with this node as its only voter
    if node.sasl:  # SCRAM credentials live in the metadata log from the very start
        for user, password in sasl_users(node).items():
            args += ["--add-scram", f"{SCRAM}=[name={user},password={password}]"]
    return _java_command(node, args)


def _prepare(nodes: list[Node], cluster_id: str | None = None) -> None:
    """Write server.properties and (re)format the data folders that need it, in parallel."""
    todo: list[tuple[Node, str, subprocess.Popen]] = []
    for node in nodes:
        node.home.mkdir(parents=True, exist_ok=True)
        LOGS.mkdir(parents=True, exist_ok=True)
        node.properties.write_text(_server_properties(node))
        if node.sasl:  # it holds the admin password
            node.properties.chmod(0o600)
        if _formatted_and_fits(node, cluster_id):
            continue
        if node_pid(node) is not None:
            say(f"{node.name}: running with another layout (port or cluster changed); stopping it")
            _stop_nodes([node])
        if node.data.exists():
            _wipe(node, "data folder is stale (cluster id, port or Kafka version changed, or "
                        "a format was interrupted)")
        cid = cluster_id or _new_cluster_id()
        proc = subprocess.Popen(_format_commands(node, cid), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=node.home)
        todo.append((node, cid, proc))
    for node, cid, proc in todo:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            shutil.rmtree(node.data, ignore_errors=True)
            raise KafkaError(f"{node.name}: formatting storage failed:\n{_tail_text(out, 20)}")
        node.layout_file.write_text(json.dumps(_layout(node, cid)) + "\n")


# ------------------------------------------------------------------------------- processes

def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _is_ours(pid: int, node: Node) -> bool:
    cmd = _cmdline(pid)
    return "kafka.Kafka" in cmd and str(node.properties) in cmd and _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child still "exists" but is not serving anything
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def node_pid(node: Node) -> int | None:
    """The pid of this node's broker if it runs; a stale pid file is removed and ignored."""
    try:
        pid = int(node.pid_file.read_text().strip())
    except (OSError, ValueError):
        pid = None
    if pid is not None and _is_ours(pid, node):
        return pid
    node.pid_file.unlink(missing_ok=True)
    # The pid file may be gone while the broker lives on (e.g. a deleted .local/kafka): adopt it.
    for other in _scan_ours(node):
        node.pid_file.write_text(f"{other}\n")
        return other
    return None


def _scan_ours(node: Node) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _is_ours(int(entry.name), node):
            found.append(int(entry.name))
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _check_ports(node: Node) -> None:
    for port in (node.port, node.controller_port):
        if not _port_free(port):
            what = "broker" if port == node.port else "controller (broker port + 1)"
            now = os.environ.get(node.port_variable, "unset")
            raise KafkaError(
                f"{node.name}: port {port} (its {what} port) is busy with something that is "
                f"not this broker. Free the port, or choose other ports with "
                f"{node.port_variable}=<port> (now {now}).")


def _launch(node: Node) -> int:
    _check_ports(node)
    LOGS.mkdir(parents=True, exist_ok=True)
    _log_marks[str(node.home)] = tuple(p.stat().st_size if p.exists() else 0
                                  for p in (node.console, node.log))
    with open(node.console, "ab") as out:
        out.write(f"\n--- start {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n".encode())
        out.flush()
        proc = subprocess.Popen(_java_command(node, ["kafka.Kafka", str(node.properties)]),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=node.home, start_new_session=True, close_fds=True)
    node.pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def _terminate(pids: dict[str, int], timeout: float = 30.0) -> None:
    """SIGTERM every pid, wait for them together, SIGKILL whatever is left."""
    for pid in pids.values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    alone_since = None
    while time.monotonic() < deadline and any(_alive(p) for p in pids.values()):
        _reap()
        time.sleep(0.1)
        alive = [p for p in pids.values() if _alive(p)]
        if len(pids) > 1 and len(alive) == 1:
            # The last node of a whole-cluster stop is the Raft leader. Its broker part (the
            # data logs) has already shut down cleanly; it now spends 5 s trying to hand the
            # leadership to voters that are gone. Nothing is left to protect, so cut it short.
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since > 1.5:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(alive[0], signal.SIGKILL)
    for name, pid in pids.items():
        if _alive(pid):
            say(f"{name}: pid {pid} ignored SIGTERM for {timeout:.0f}s; sending SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in pids.values()):
        _reap()
        time.sleep(0.05)


def _reap() -> None:
    # When the broker is our own child (importable use), collect it so it does not linger.
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _stop_nodes(nodes: list[Node], timeout: float = 30.0) -> list[str]:
    pids: dict[str, int] = {}
    for node in nodes:
        pid = node_pid(node)
        if pid is not None:
            pids[node.name] = pid
        for stray in _scan_ours(node):
            if stray != pid:
                pids[f"{node.name} (stray)"] = stray
    # Stop the nodes together: a KRaft cluster stopped one by one can lose its quorum midway and
    # leave the last nodes waiting on a controller until the SIGKILL fallback.
    _terminate(pids, timeout)
    for node in nodes:
        node.pid_file.unlink(missing_ok=True)
    return list(pids)


# ---------------------------------------------------------------------- Kafka protocol probe

@dataclass
class Metadata:
    brokers: dict[int, str]
    controller_id: int
    cluster_id: str | None
    # topic -> (error code, {partition: (leader, replicas, isr)})
    topics: dict[str, tuple[int, dict[int, tuple[int, list[int], list[int]]]]]


def metadata(bootstrap: str, topics: list[str] | None = None, allow_auto_create: bool = False,
             timeout: float = 3.0) -> Metadata:
    """One Metadata (v4) request over a plain socket to the first reachable bootstrap address.

    Stdlib only, so `ensure` can prove the broker serves before any client library loads.
    `topics=None` asks for every topic. Raises OSError when no address answers.
    """
    last: Exception = OSError(f"no address in {bootstrap!r}")
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout) as s:
                s.settimeout(timeout)
                return _metadata_exchange(s, topics, allow_auto_create)
        except (OSError, ValueError, struct.error) as exc:
            last = exc
    raise last if isinstance(last, OSError) else OSError(str(last))


def _kstr(value: str | None) -> bytes:
    if value is None:
        return struct.pack(">h", -1)
    raw = value.encode()
    return struct.pack(">h", len(raw)) + raw


def _metadata_exchange(s: socket.socket, topics: list[str] | None, auto: bool) -> Metadata:
    body = struct.pack(">hhi", 3, 4, 1) + _kstr("bps-kafka-probe")
    if topics is None:
        body += struct.pack(">i", -1)
    else:
        body += struct.pack(">i", len(topics)) + b"".join(_kstr(t) for t in topics)
    body += struct.pack(">?", auto)
    s.sendall(struct.pack(">i", len(body)) + body)
    size = struct.unpack(">i", _recv_exact(s, 4))[0]
    buf = _Reader(_recv_exact(s, size))
    buf.i32()  # correlation id
    buf.i32()  # throttle time
    brokers = {}
    for _ in range(buf.i32()):
        node_id, host, port, _rack = buf.i32(), buf.str(), buf.i32(), buf.str()
        brokers[node_id] = f"{host}:{port}"
    cluster_id, controller_id = buf.str(), buf.i32()
    found = {}
    for _ in range(buf.i32()):
        err, name, _internal = buf.i16(), buf.str(), buf.i8()
        parts = {}
        for _ in range(buf.i32()):
            _perr, index, leader = buf.i16(), buf.i32(), buf.i32()
            replicas = [buf.i32() for _ in range(buf.i32())]
            isr = [buf.i32() for _ in range(buf.i32())]
            parts[index] = (leader, replicas, isr)
        found[name] = (err, parts)
    return Metadata(brokers, controller_id, cluster_id, found)


def _recv_exact(s: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = s.recv(n - got)
        if not chunk:
            raise OSError("connection closed mid-response")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def _take(self, fmt: str):
        value = struct.unpack_from(fmt, self.data, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def i8(self) -> int:
        return self._take(">b")

    def i16(self) -> int:
        return self._take(">h")

    def i32(self) -> int:
        return self._take(">i")

    def str(self) -> str | None:
        n = self.i16()
        if n < 0:
            return None
        value = self.data[self.pos:self.pos + n].decode()
        self.pos += n
        return value


def serving(bootstrap: str, expect_brokers: int = 1) -> bool:
    """True when a metadata request succeeds and lists at least `expect_brokers` live brokers."""
    try:
        return len(metadata(bootstrap, topics=[], timeout=2.0).brokers) >= expect_brokers
    except OSError:
        return False


# ---------------------------------------------------------------------------- start / ensure

_STORAGE_TROUBLE = re.compile(
    r"InconsistentClusterIdException|meta\.properties|not formatted|Failed to acquire lock|"
    r"CorruptRecordException|InvalidOffsetException|Invalid cluster\.id|KafkaStorageException|"
    r"directory\.id|Unable to read the log file|NoSuchFileException")
_log_marks: dict[str, tuple[int, int]] = {}  # node name -> console/log sizes at its launch


def _output_since_launch(node: Node) -> str:
    """What this launch wrote (console and log), so old runs' errors are not blamed on it."""
    console_at, log_at = _log_marks.get(str(node.home), (0, 0))
    text = ""
    for path, offset in ((node.console, console_at), (node.log, log_at)):
        with contextlib.suppress(OSError), open(path, "rb") as f:
            f.seek(offset if offset <= path.stat().st_size else 0)
            text += f.read().decode(errors="replace") + "\n"
    return text
_BIND_TROUBLE = re.compile(r"Address already in use|BindException|Socket server failed to bind")


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return _tail_text(path.read_text(errors="replace"), lines)
    except OSError:
        return "(no log yet)"


def _tail_text(text: str, lines: int) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


def _diagnosis(node: Node) -> str:
    return (f"--- {node.console} (last lines) ---\n{_tail(node.console)}\n"
            f"--- {node.log} (last lines) ---\n{_tail(node.log)}")


def _wait_ready(nodes: list[Node], pids: dict[str, int], timeout: float) -> str | None:
    """Wait until every node answers metadata listing all nodes; returns the name of a node
    whose process died instead (None on success). Raises KafkaError on timeout."""
    expect = len(nodes)
    deadline = time.monotonic() + timeout
    pending = {n.name for n in nodes}
    while time.monotonic() < deadline:
        _reap()
        for node in nodes:
            if node.name in pending and not _alive(pids[node.name]):
                return node.name
        for node in nodes:
            if node.name in pending and _node_serving(node, expect):
                pending.discard(node.name)
        if not pending:
            return None
        time.sleep(0.2)
    names = ", ".join(sorted(pending))
    details = "\n".join(_diagnosis(n) for n in nodes if n.name in pending)
    raise KafkaError(f"{names} did not answer a metadata request listing {expect} broker(s) "
                     f"within {timeout:.0f}s (still running; `stop` it or look at):\n{details}")


def _start_nodes(nodes: list[Node], cluster_id: str | None, timeout: float) -> dict[str, int]:
    fetch()
    for node in nodes:  # before touching anything: a busy port is the user's to resolve
        if node_pid(node) is None or not _formatted_and_fits(node, cluster_id):
            _check_ports(node)
    for attempt in (1, 2):
        _prepare(nodes, cluster_id)
        pids = {}
        for node in nodes:
            pid = node_pid(node)
            pids[node.name] = pid if pid is not None else _launch(node)
        dead = _wait_ready(nodes, pids, timeout)
        if dead is None:
            return pids
        node = next(n for n in nodes if n.name == dead)
        node.pid_file.unlink(missing_ok=True)
        text = _output_since_launch(node)
        if _BIND_TROUBLE.search(text):
            _stop_nodes(nodes)
            raise KafkaError(f"{node.name}: could not bind 127.0.0.1:{node.port} or "
                             f":{node.controller_port} (port busy). Free it or set "
                             f"{node.port_variable} to another port.\n{_diagnosis(node)}")
        if attempt == 1 and _STORAGE_TROUBLE.search(text):
            _stop_nodes(nodes)
            for n in nodes if node.cluster else [node]:
                _wipe(n, "the broker rejected its stored data")
            continue
        _stop_nodes(nodes)
        raise KafkaError(f"{node.name}: the broker exited during startup.\n{_diagnosis(node)}")
    raise AssertionError("unreachable")


@contextlib.contextmanager
def _exclusive(home: Path):
    """One kafka.py at a time per broker folder: parallel test sessions all call `ensure`."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".kafka-py.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"waiting for another kafka.py working on {home}...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_single(port: int | None = None, data_dir: Path | None = None,
                  timeout: float = 90.0, sasl: bool = False) -> str:
    """Start the single local broker unless it already serves; return its bootstrap address.
    With `sasl`, clients must log in with SCRAM and ACLs decide what each service may do."""
    node = single_node(port, data_dir, sasl)
    with _exclusive(node.home):
        if sasl and node_pid(node) is not None and not _formatted_and_fits(node):
            raise KafkaError(f"a broker without SASL runs from {node.home}; stop it first, or "
                             "give --sasl its own --port and --data-dir")
        bootstrap = _ensure_single(node, timeout)
        if sasl:
            apply_acls(node)
        return bootstrap


def _ensure_single(node: Node, timeout: float) -> str:
    pid = node_pid(node)
    if pid is not None and _node_serving(node):
        return node.bootstrap
    if pid is None and not _port_free(node.port) and _node_serving(node):
        say(f"reusing the Kafka broker already answering on {node.bootstrap} "
            "(not started by this script)")
        return node.bootstrap
    started = time.monotonic()
    _start_nodes([node], None, timeout)
    say(f"broker ready on {node.bootstrap} in {time.monotonic() - started:.1f}s "
        f"(pid {node_pid(node)}, log {node.log})")
    return node.bootstrap


def stop_single(port: int | None = None, data_dir: Path | None = None) -> bool:
    node = single_node(port, data_dir)
    with _exclusive(node.home):
        return bool(_stop_nodes([node]))


def _cluster_id_file() -> Path:
    return CLUSTER_DIR / "cluster.id"


def ensure_cluster(base_port: int | None = None, timeout: float = 120.0) -> str:
    """Start (or complete) the three-node cluster; return its bootstrap list."""
    with _exclusive(CLUSTER_DIR):
        return _ensure_cluster(base_port, timeout)


def _ensure_cluster(base_port: int | None, timeout: float) -> str:
    nodes = cluster_nodes(base_port)
    cid_file = _cluster_id_file()
    cluster_id = cid_file.read_text().strip() if cid_file.exists() else ""
    running = [n for n in nodes if node_pid(n) is not None]
    if not cluster_id or not all(_formatted_and_fits(n, cluster_id) for n in nodes):
        if running:  # some live node belongs to an unknown layout: start over cleanly
            _stop_nodes(nodes)
        for node in nodes:
            _wipe(node, "cluster layout changed or incomplete")
        cluster_id = _new_cluster_id()
        cid_file.write_text(cluster_id + "\n")
    started = time.monotonic()
    _start_nodes(nodes, cluster_id, timeout)
    say(f"cluster ready on {cluster_bootstrap(base_port)} in {time.monotonic() - started:.1f}s")
    return cluster_bootstrap(base_port)


def stop_cluster(base_port: int | None = None) -> list[str]:
    with _exclusive(CLUSTER_DIR):
        return _stop_nodes(cluster_nodes(base_port))


def cluster_pids(base_port: int | None = None) -> dict[int, int]:
    """node id -> pid for every running cluster node (tests SIGKILL one of these)."""
    return {n.node_id: pid for n in cluster_nodes(base_port) if (pid := node_pid(n))}


# -------------------------------------------------------------------------------- topics

def _import_catalogue():
    try:
        from contracts import topics
    except ImportError:
        sys.path.insert(0, str(ROOT / "contracts" / "src"))
        from contracts import topics
    return topics


async def create_topics(bootstrap: str, replication: int = 1, wait_s: float = 60.0,
                        auth: dict[str, str] | None = None) -> dict[str, str]:
    """Create every catalogue topic and its .dlq twin; returns name -> "created"/"exists".
    `auth`: aiokafka SASL options (admin of a --sasl broker)."""
    import asyncio

    try:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic
        from aiokafka.errors import for_code
    except ImportError:
        raise KafkaError("`topics` needs aiokafka from the project environment: run it as "
                         "`uv run python deploy/local/kafka.py topics`") from None

    catalogue = _import_catalogue()
    wanted = {t.name: t.partitions for t in catalogue.TOPICS}
    wanted |= {t.dlq: catalogue.DLQ_PARTITIONS for t in catalogue.TOPICS}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bps-topic-bootstrap",
                                request_timeout_ms=int(wait_s * 1000), **(auth or {}))
    await admin.start()
    result: dict[str, str] = {}
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, parts, replication) for name, parts in wanted.items()
                   if name not in existing]
        result |= {name: "exists" for name in wanted if name in existing}
        if missing:
            response = await admin.create_topics(missing, timeout_ms=int(wait_s * 1000))
            for name, code, *rest in response.topic_errors:
                if code == 0:
                    result[name] = "created"
                elif code == 36:  # TOPIC_ALREADY_EXISTS: another process won the race
                    result[name] = "exists"
                else:
                    message = rest[0] if rest else ""
                    raise KafkaError(f"creating topic {name} failed: "
                                     f"{for_code(code).__name__} {message or ''}".rstrip())
        # Wait until every partition has a leader, so producers can use the topics at once.
        # (The stdlib probe cannot log in; SASL clients ride out the short election instead.)
        deadline = time.monotonic() + wait_s
        while not auth:
            meta = await asyncio.to_thread(metadata, bootstrap, list(wanted))
            wrong = {name: len(meta.topics.get(name, (0, {}))[1]) for name in wanted
                     if len(meta.topics.get(name, (0, {}))[1]) < wanted[name]}
            leaderless = [name for name, (_err, parts) in meta.topics.items()
                          if any(leader < 0 for leader, _r, _i in parts.values())]
            if not wrong and not leaderless:
                break
            if time.monotonic() > deadline:
                raise KafkaError(f"topics not ready within {wait_s:.0f}s: partitions "
                                 f"{wrong or 'ok'}, without leader {leaderless or 'none'}")
            await asyncio.sleep(0.2)
        for name, (_err, parts) in (meta.topics.items() if not auth else ()):
            if len(parts) > wanted[name]:
                say(f"topic {name} has {len(parts)} partitions, catalogue says {wanted[name]} "
                    "(left as is)")
    finally:
        await admin.close()
    return result


# ---------------------------------------------------------------------------------- CLI

def _print_status(nodes: list[Node]) -> bool:
    all_up = True
    for node in nodes:
        pid = node_pid(node)
        up = _node_serving(node)
        all_up &= up
        state = "serving" if up else ("starting or stuck" if pid else "stopped")
        print(f"{node.name}: {state}  bootstrap={node.bootstrap}  pid={pid or '-'}  "
              f"data={node.data}  log={node.log}")
    return all_up


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kafka.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    p = sub.add_parser("fetch", help="download the Kafka jars with Maven if missing")
    p.add_argument("--force", action="store_true", help="download again even if present")

    def single_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--port", type=int, default=None,
                       help="broker port; the controller uses port+1 "
                            "(default $BPS_KAFKA_PORT or 19092)")
        p.add_argument("--data-dir", type=Path, default=None,
                       help=f"node folder: data, pid file, config (default {SINGLE_DIR})")

    for name, text in (("start", "start the single broker (reused if it already serves)"),
                       ("ensure", "start or reuse the single broker; the last stdout line is "
                                  "its bootstrap address")):
        p = sub.add_parser(name, help=text)
        single_opts(p)
        p.add_argument("--timeout", type=float, default=90.0,
                       help="seconds to wait for the broker to serve (default 90)")
        p.add_argument("--sasl", action="store_true",
                       help="SASL/SCRAM logins, a principal per service and ACLs from the "
                            "topic catalogue (see `sasl-env`); default PLAINTEXT")
    p = sub.add_parser("sasl-env", help="print the env settings a service needs to log in to "
                                        "a --sasl broker as itself (export-ready lines)")
    p.add_argument("service")
    single_opts(p)
    p = sub.add_parser("stop", help="stop the single broker (SIGTERM, then SIGKILL)")
    single_opts(p)
    p = sub.add_parser("status", help="show the single broker's state; exit 1 if not serving")
    single_opts(p)

    p = sub.add_parser("cluster", help="the three-node KRaft cluster for fault tests",
                       description="Three combined broker+controller nodes on "
                                   "127.0.0.1:BASE, BASE+100, BASE+200 (controllers +1); "
                                   "replication factor 3, min.insync.replicas 2.")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument("--base-port", type=int, default=None,
                   help="first broker port (default $BPS_KAFKA_CLUSTER_BASE_PORT or 29092)")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for all nodes to serve (default 120)")

    p = sub.add_parser("topics", help="create every catalogue topic and .dlq twin (idempotent)")
    p.add_argument("--bootstrap", default=None,
                   help="bootstrap servers (default $KAFKA_BOOTSTRAP_SERVERS or the single "
                        "broker, started if needed)")
    p.add_argument("--replication", type=int, default=None,
                   help="replication factor (default 1; 3 when --bootstrap has 3+ addresses)")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--sasl", action="store_true",
                   help="log in as admin of the --sasl broker (its --port/--data-dir)")
    single_opts(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "fetch":
            fetch(force=args.force)
            print(LIB)
        elif args.cmd in ("start", "ensure"):
            print(ensure_single(args.port, args.data_dir, args.timeout, args.sasl))
        elif args.cmd == "sasl-env":
            for name, value in sasl_env(args.service, args.port, args.data_dir).items():
                print(f"export {name}={value}")
        elif args.cmd == "stop":
            stopped = stop_single(args.port, args.data_dir)
            say("stopped" if stopped else "not running")
        elif args.cmd == "status":
            return 0 if _print_status([single_node(args.port, args.data_dir)]) else 1
        elif args.cmd == "cluster":
            if args.action == "start":
                print(ensure_cluster(args.base_port, args.timeout))
            elif args.action == "stop":
                stopped = stop_cluster(args.base_port)
                say(f"stopped {', '.join(stopped)}" if stopped else "cluster not running")
            else:
                return 0 if _print_status(cluster_nodes(args.base_port)) else 1
        elif args.cmd == "topics":
            import asyncio

            auth = None
            if args.sasl:
                node = single_node(args.port, args.data_dir, sasl=True)
                auth = {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": SCRAM,
                        "sasl_plain_username": ADMIN,
                        "sasl_plain_password": sasl_users(node)[ADMIN]}
                bootstrap = args.bootstrap or node.bootstrap
            else:
                bootstrap = (args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
                             or ensure_single())
            replication = args.replication or (3 if bootstrap.count(",") >= 2 else 1)
            result = asyncio.run(create_topics(bootstrap, replication, args.timeout, auth))
            created = sorted(n for n, s in result.items() if s == "created")
            say(f"{len(result)} topics on {bootstrap}: created {created or 'none'}, "
                f"{len(result) - len(created)} already there")
    except KafkaError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
