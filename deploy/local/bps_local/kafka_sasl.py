"""SASL/SCRAM and ACLs for the single broker (opt-in: `python -m bps_local.kafka start --sasl`).

The broker then takes SASL/SCRAM-SHA-256 logins on its client listener, has a principal per
service (plus `admin`, the only super user), and StandardAuthorizer ACLs from the topic
catalogue: each service writes only the topics it owns (docs: the single-writer rule) and the
dead-letter twins of the topics it reads, reads only the topics it consumes, and joins only
consumer groups named after itself. Passwords are random, made once per data folder, and kept
in <data folder>/sasl-users.json (mode 600); `sasl-env SERVICE` prints a service's settings.
The controller listener (loopback, broker-to-controller only) uses SASL PLAIN with the admin
password: SCRAM cannot authenticate controllers, whose credentials it stores.

ACLs are created with Kafka's own tool, org.apache.kafka.tools.AclCommand (what
`kafka-acls.sh` runs), from the kafka-tools jar that pom.xml fetches with the broker.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from contracts.topics import SERVICES, TOPICS

from bps_local.kafka_nodes import KafkaError, Node, java_command, tail_text

SCRAM = "SCRAM-SHA-256"
ADMIN = "admin"


def users(node: Node) -> dict[str, str]:
    """user -> password for `admin` and every service, created on first use."""
    path = node.home / "sasl-users.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text())
    made = {name: secrets.token_urlsafe(18) for name in (ADMIN, *SERVICES)}
    node.home.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(made, f, indent=2)
    return made


def admin_login(node: Node) -> dict[str, str]:
    """aiokafka options that log in as the broker's admin."""
    return {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": SCRAM,
            "sasl_plain_username": ADMIN, "sasl_plain_password": users(node)[ADMIN]}


def service_env(node: Node, service: str) -> dict[str, str]:
    """The environment a service needs to log in to the SASL broker as itself."""
    known = users(node)
    if service not in known or service == ADMIN:
        raise KafkaError(f"no service principal {service!r}; known: "
                         + ", ".join(u for u in known if u != ADMIN))
    p = service.upper() + "_"
    return {p + "KAFKA_BOOTSTRAP_SERVERS": node.bootstrap,
            p + "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", p + "KAFKA_SASL_MECHANISM": SCRAM,
            p + "KAFKA_SASL_USERNAME": service, p + "KAFKA_SASL_PASSWORD": known[service]}


def listeners(node: Node) -> str:
    admin = users(node)[ADMIN]
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


def format_args(node: Node) -> list[str]:
    """SCRAM credentials live in the metadata log from the very start (StorageTool format)."""
    args: list[str] = []
    for user, password in users(node).items():
        args += ["--add-scram", f"{SCRAM}=[name={user},password={password}]"]
    return args


Acl = tuple[str, str, str, str, str]  # principal, resource type, pattern type, name, operation


def acl_plan(prefix: str = "") -> list[Acl]:
    """Every allow-ACL the catalogue implies."""
    acls: set[Acl] = set()

    def allow(service: str, topic: str, *operations: str) -> None:
        for op in operations:
            acls.add((f"User:{service}", "TOPIC", "LITERAL", prefix + topic, op))

    for spec in TOPICS:
        allow(spec.owner, spec.name, "WRITE", "DESCRIBE")  # the single writer
        for reader in spec.readers:
            allow(reader, spec.name, "READ", "DESCRIBE")
            allow(reader, spec.dlq, "WRITE", "DESCRIBE")  # its dead letters
        # The monitor shows every dead letter and replays one to where it came from; the
        # notification service tells HR about each one.
        allow("monitor", spec.dlq, "READ", "DESCRIBE")
        allow("monitor", spec.name, "WRITE")
        allow("notification", spec.dlq, "READ", "DESCRIBE")
    for service in SERVICES:
        acls.add((f"User:{service}", "GROUP", "PREFIXED", service, "READ"))
    return sorted(acls)


def acl_commands(plan: list[Acl]) -> list[list[str]]:
    """AclCommand argument lists covering `plan`. One call adds every (principal, operation,
    resource) combination of its arguments, so bindings that share a principal, a resource
    type, a pattern type and the same set of operations go into one call (a JVM start each)."""
    ops: dict[tuple[str, str, str, str], set[str]] = defaultdict(set)
    for principal, kind, pattern, name, op in plan:
        ops[(principal, kind, pattern, name)].add(op)
    groups: dict[tuple[str, str, str, frozenset[str]], list[str]] = defaultdict(list)
    for (principal, kind, pattern, name), wanted in ops.items():
        groups[(principal, kind, pattern, frozenset(wanted))].append(name)
    commands = []
    for (principal, kind, pattern, wanted), names in sorted(groups.items(), key=str):
        flag = {"TOPIC": "--topic", "GROUP": "--group"}[kind]
        args = ["--add", "--allow-principal", principal, "--resource-pattern-type",
                pattern.lower()]
        args += [a for op in sorted(wanted) for a in ("--operation", op.title())]
        args += [a for name in sorted(names) for a in (flag, name)]
        commands.append(args)
    return commands


def apply_acls(node: Node, prefix: str = "") -> int:
    """Create the ACLs of acl_plan() as admin with Kafka's AclCommand (idempotent: adding an
    ACL that exists changes nothing). Returns how many bindings the plan holds."""
    plan = acl_plan(prefix)
    with tempfile.NamedTemporaryFile("w", suffix=".properties", dir=node.home) as config:
        os.chmod(config.name, 0o600)  # it holds the admin password
        password = users(node)[ADMIN]
        config.write(f"security.protocol=SASL_PLAINTEXT\nsasl.mechanism={SCRAM}\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
                     f' required username="{ADMIN}" password="{password}";\n')
        config.flush()
        base = ["org.apache.kafka.tools.AclCommand", "--bootstrap-server", node.bootstrap,
                "--command-config", config.name]
        # Two at a time: each is a JVM start, and the machine may have two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda args: _run_tool([*base, *args]),
                                    acl_commands(plan)))
    failed = [out for ok, out in results if not ok]
    if failed:
        raise KafkaError("creating ACLs with AclCommand failed:\n" + failed[0])
    return len(plan)


def _run_tool(main: list[str]) -> tuple[bool, str]:
    done = subprocess.run(java_command(None, main), capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)
    return done.returncode == 0, tail_text(done.stdout + done.stderr, 20)
