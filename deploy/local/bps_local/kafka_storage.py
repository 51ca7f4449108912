"""A node's data folder: formatted once for its exact layout (port, node id, cluster id, Kafka
version, SASL) and wiped and reformatted when that layout changes. Everything under .local/
is throw-away, so a folder left by a killed run is reused when it still fits."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import uuid

from bps_local import LOGS, kafka_sasl
from bps_local.kafka_nodes import (
    KafkaError,
    Node,
    java_command,
    kafka_version,
    plaintext_listeners,
    say,
    server_properties,
    tail_text,
)


def new_cluster_id() -> str:
    # Same shape as Kafka's Uuid.toString(): URL-safe base64 of 16 random bytes, no padding.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def _layout(node: Node, cluster_id: str | None) -> dict:
    return {"cluster_id": cluster_id, "kafka": kafka_version(), "port": node.port,
            "node_id": node.node_id, "cluster": node.cluster, "sasl": node.sasl}


def stored_layout(node: Node) -> dict:
    try:
        return json.loads(node.layout_file.read_text())
    except (OSError, ValueError):
        return {}


def _meta_cluster_id(node: Node) -> str | None:
    try:
        for line in (node.data / "meta.properties").read_text().splitlines():
            if line.startswith("cluster.id="):
                return line.split("=", 1)[1].strip()
    except OSError:
        return None
    return None


def formatted_and_fits(node: Node, cluster_id: str | None = None) -> bool:
    """True when the data folder was formatted by us for exactly this layout."""
    layout = stored_layout(node)
    if not layout:
        return False
    cid = cluster_id or layout.get("cluster_id")
    return (layout == _layout(node, cid) and _meta_cluster_id(node) == cid
            # the format step writes bootstrap.checkpoint; the first start turns it into the log
            and any((node.data / f).exists()
                    for f in ("bootstrap.checkpoint", "__cluster_metadata-0")))


def wipe(node: Node, why: str) -> None:
    if node.data.exists():
        say(f"{node.name}: {why}; wiping its throw-away data and reformatting")
    shutil.rmtree(node.data, ignore_errors=True)
    node.layout_file.unlink(missing_ok=True)


def _format_command(node: Node, cluster_id: str) -> list[str]:
    args = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(node.properties)]
    if not node.cluster:
        args.append("--standalone")  # dynamic quorum with this node as its only voter
    if node.sasl:
        args += kafka_sasl.format_args(node)
    return java_command(node, args)


def write_properties(node: Node) -> None:
    node.home.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    listeners = kafka_sasl.listeners(node) if node.sasl else plaintext_listeners(node)
    node.properties.write_text(server_properties(node, listeners))
    if node.sasl:  # it holds the admin password
        node.properties.chmod(0o600)


def format_nodes(nodes: list[Node], cluster_id: str | None = None) -> None:
    """(Re)format, in parallel, the data folders of `nodes` (none of them running) that do not
    fit their layout."""
    todo: list[tuple[Node, str, subprocess.Popen]] = []
    for node in nodes:
        if formatted_and_fits(node, cluster_id):
            continue
        if node.data.exists():
            wipe(node, "data folder is stale (cluster id, port or Kafka version changed, or "
                       "a format was interrupted)")
        cid = cluster_id or new_cluster_id()
        proc = subprocess.Popen(_format_command(node, cid), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, cwd=node.home)
        todo.append((node, cid, proc))
    for node, cid, proc in todo:
        out, _ = proc.communicate(timeout=120)
        if proc.returncode != 0:
            shutil.rmtree(node.data, ignore_errors=True)
            raise KafkaError(f"{node.name}: formatting storage failed:\n{tail_text(out, 20)}")
        node.layout_file.write_text(json.dumps(_layout(node, cid)) + "\n")
