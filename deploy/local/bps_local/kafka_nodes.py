"""What a local KRaft node is: its ports, its folder, its server.properties, the jars and the
java command line that run it.

The broker jars come from Maven Central (deploy/local/pom.xml) into .local/kafka/lib/; each node
is `java -cp '.local/kafka/lib/*' kafka.Kafka server.properties` in combined broker+controller
mode, listening on 127.0.0.1 only, with its data, pid file and console output under .local/kafka/
and its log under .local/logs/.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bps_local import HERE, LOCAL, LOGS, ROOT, ToolError, speaker

POM = HERE / "pom.xml"
LOG4J = HERE / "log4j2.yaml"
LIB = LOCAL / "kafka" / "lib"
SINGLE_DIR = LOCAL / "kafka" / "single"
CLUSTER_DIR = LOCAL / "kafka" / "cluster"
CLUSTER_SIZE = 3
NODE_PORT_STEP = 100  # node i listens on base + 100*i, its controller on base + 100*i + 1

SINGLE_HEAP = "-Xmx512m -Xms256m"
CLUSTER_HEAP = "-Xmx384m -Xms128m"
TOOL_HEAP = "-Xmx256m"
# Measured on a 2-core box: serial GC and C1-only JIT start the broker in ~3.0 s instead of
# ~5.5-6.8 s (G1, tiered C2) and use less CPU while three nodes share two cores; throughput is
# still far above what the tests need.
JVM_OPTS = ("-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError "
            "-Djava.awt.headless=true -Dlog4j2.formatMsgNoLookups=true")


class KafkaError(ToolError):
    pass


say = speaker("kafka")


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


class _InHome:
    """A read-only path attribute: `name` under the owner's home folder."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, node: Node | None, owner: type | None = None):
        return self if node is None else node.home / self.name


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

    # Everything else the node owns sits at a fixed name under its home.
    data = _InHome("data")
    properties = _InHome("server.properties")
    pid_file = _InHome("kafka.pid")
    layout_file = _InHome("layout.json")
    console = _InHome("console.out")

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


def require_java() -> str:
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


def fetch_jars() -> Path:
    """Download the broker and tool jars with Maven into .local/kafka/lib/ (callers hold the
    lib folder's lock)."""
    require_java()
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
                         + tail_text(done.stdout + done.stderr, 30))
    shutil.rmtree(HERE / "target", ignore_errors=True)
    shutil.rmtree(LIB, ignore_errors=True)
    tmp.rename(LIB)
    (LIB / ".fetched").write_text(_pom_digest() + "\n")
    say(f"fetched Kafka {kafka_version()} in {time.monotonic() - started:.1f}s")
    return LIB


def tail_text(text: str, lines: int) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


# ------------------------------------------------------------------------------ configuration

def server_properties(node: Node, listeners: str) -> str:
    if node.cluster:
        nodes = cluster_nodes(node.port - NODE_PORT_STEP * (node.node_id - 1))
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes)
        quorum = f"controller.quorum.voters={voters}"
        rf, min_isr = CLUSTER_SIZE, 2
    else:
        quorum = f"controller.quorum.bootstrap.servers=127.0.0.1:{node.controller_port}"
        rf, min_isr = 1, 1
    return f"""# Written by bps_local.kafka on every start; edit that module, not this file.
process.roles=broker,controller
node.id={node.node_id}
{quorum}
{listeners}
log.dirs={node.data}

# Topics are created explicitly from contracts.topics.TOPICS (shared.kafka.ensure_topics).
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


def plaintext_listeners(node: Node) -> str:
    return f"""\
listeners=PLAINTEXT://127.0.0.1:{node.port},CONTROLLER://127.0.0.1:{node.controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{node.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"""


def _cds_options(node: Node | None, dump: bool) -> list[str]:
    """Class-data sharing: the first broker that stops cleanly dumps the classes it loaded into
    an archive next to the jars; later starts map it and start ~40% faster (3.0 s -> 1.7 s
    measured). A missing or unusable archive is silently ignored by the JVM (-Xshare:auto).
    Set BPS_KAFKA_CDS=0 to turn it off."""
    if os.environ.get("BPS_KAFKA_CDS", "1") == "0":
        return []
    archive = LIB / "kafka.jsa"
    if not archive.exists():
        for dumped in LIB.glob("kafka-*.jsa.new"):
            # Written when its broker exits; a file whose broker still runs is half made.
            if not _jsa_writer_running(dumped):
                dumped.rename(archive)
                break
    if archive.exists():
        return [f"-XX:SharedArchiveFile={archive}"]
    if dump and node is not None:
        return [f"-XX:ArchiveClassesAtExit={LIB / f'kafka-{node.name}.jsa.new'}"]
    return []


def _jsa_writer_running(dumped: Path) -> bool:
    from bps_local import procs

    flag = f"-XX:ArchiveClassesAtExit={dumped}"
    return bool(procs.find(lambda cmd: flag in cmd))


def java_command(node: Node | None, main: list[str]) -> list[str]:
    """`java` with the jars on the class path; `node` None for a short-lived tool."""
    if node is None:
        heap = TOOL_HEAP
    else:
        heap = os.environ.get("KAFKA_HEAP_OPTS") or (CLUSTER_HEAP if node.cluster
                                                      else SINGLE_HEAP)
    jvm = os.environ.get("KAFKA_JVM_PERFORMANCE_OPTS") or JVM_OPTS
    cds = _cds_options(node, dump=main[0] == "kafka.Kafka")
    log = node.log if node is not None else LOGS / "kafka-tools.log"
    return [require_java(), *heap.split(), *jvm.split(), *cds,
            f"-Dlog4j2.configurationFile={LOG4J}", f"-Dbps.kafka.log={log}",
            f"-Dkafka.logs.dir={LOGS}", "-cp", f"{LIB}/*", *main]
