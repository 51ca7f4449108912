"""The command line of `python -m bps_local.kafka` (see bps_local.kafka for examples)."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from shared.kafka import ensure_topics
from shared.settings import TopicSettings

from bps_local import kafka, kafka_sasl
from bps_local.kafka_nodes import LIB, SINGLE_DIR, KafkaError, Node, say
from bps_local.kafka_process import node_pid
from bps_local.kafka_process import serving as node_serving


def _print_status(nodes: list[Node]) -> bool:
    all_up = True
    for node in nodes:
        pid = node_pid(node)
        up = node_serving(node)
        all_up &= up
        if up:
            state = "serving" if pid else "serving, but not started by this checkout"
        else:
            state = "starting or stuck" if pid else "stopped"
        print(f"{node.name}: {state}  bootstrap={node.bootstrap}  pid={pid or '-'}  "
              f"data={node.data}  log={node.log}")
    return all_up


def _single_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=None,
                   help="broker port; the controller uses port+1 (default $BPS_KAFKA_PORT or "
                        "19092)")
    p.add_argument("--data-dir", type=Path, default=None,
                   help=f"node folder: data, pid file, config (default {SINGLE_DIR})")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bps_local.kafka",
                                     description=kafka.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    p = sub.add_parser("fetch", help="download the Kafka jars with Maven if missing")
    p.add_argument("--force", action="store_true", help="download again even if present")
    for name, text in (("start", "start the single broker (reused if it already serves)"),
                       ("ensure", "start or reuse the single broker; the last stdout line is "
                                  "its bootstrap address")):
        p = sub.add_parser(name, help=text)
        _single_opts(p)
        p.add_argument("--timeout", type=float, default=90.0,
                       help="seconds to wait for the broker to serve (default 90)")
        p.add_argument("--sasl", action="store_true",
                       help="SASL/SCRAM logins, a principal per service and ACLs from the "
                            "topic catalogue (see `sasl-env`); default PLAINTEXT")
    p = sub.add_parser("sasl-env", help="print the env settings a service needs to log in to "
                                        "a --sasl broker as itself (export-ready lines)")
    p.add_argument("service")
    _single_opts(p)
    p = sub.add_parser("stop", help="stop the single broker (SIGTERM, then SIGKILL)")
    _single_opts(p)
    p = sub.add_parser("status", help="show the single broker's state; exit 1 if not serving")
    _single_opts(p)
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
                   help="replication factor (default $BPS_TOPIC_REPLICATION_FACTOR or 1; "
                        "the three-node cluster: 3)")
    p.add_argument("--min-insync-replicas", type=int, default=None,
                   help="min.insync.replicas of every topic (default "
                        "$BPS_TOPIC_MIN_INSYNC_REPLICAS or 1; the three-node cluster: 2)")
    p.add_argument("--partitions", type=int, default=None,
                   help="partitions of the main topics (default $BPS_TOPIC_PARTITIONS or the "
                        "catalogue's, 12)")
    p.add_argument("--prefix", default="",
                   help="put every topic name under this prefix (a test's own namespace)")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds to wait for the topics and their leaders (default 120)")
    p.add_argument("--sasl", action="store_true",
                   help="log in as admin of the --sasl broker (its --port/--data-dir)")
    _single_opts(p)
    return parser


def _topics(args: argparse.Namespace) -> None:
    auth = None
    if args.sasl:
        node = kafka.single_node(args.port, args.data_dir, sasl=True)
        auth = kafka_sasl.admin_login(node)
        bootstrap = args.bootstrap or node.bootstrap
    else:
        bootstrap = (args.bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
                     or kafka.ensure_single(args.port, args.data_dir))
    # Given flags over BPS_TOPIC_*; never guessed from how many addresses --bootstrap has.
    given = {"replication_factor": args.replication, "partitions": args.partitions,
             "min_insync_replicas": args.min_insync_replicas}
    settings = TopicSettings(**{k: v for k, v in given.items() if v is not None})
    result = asyncio.run(ensure_topics(bootstrap, args.prefix, settings, auth=auth,
                                       timeout=args.timeout))
    created = sorted(n for n, s in result.items() if s == "created")
    say(f"{len(result)} topics on {bootstrap}: created {created or 'none'}, "
        f"{len(result) - len(created)} already there")


def _cluster(args: argparse.Namespace) -> int:
    if args.action == "start":
        print(kafka.ensure_cluster(args.base_port, args.timeout))
    elif args.action == "stop":
        stopped = kafka.stop_cluster(args.base_port)
        say(f"stopped {', '.join(stopped)}" if stopped else "cluster not running")
    else:
        return 0 if _print_status(kafka.cluster_nodes(args.base_port)) else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "fetch":
            kafka.fetch(force=args.force)
            print(LIB)
        elif args.cmd in ("start", "ensure"):
            print(kafka.ensure_single(args.port, args.data_dir, args.timeout, args.sasl))
        elif args.cmd == "sasl-env":
            node = kafka.single_node(args.port, args.data_dir, sasl=True)
            for name, value in kafka_sasl.service_env(node, args.service).items():
                print(f"export {name}={value}")
        elif args.cmd == "stop":
            stopped = kafka.stop_single(args.port, args.data_dir)
            say("stopped" if stopped else "not running")
        elif args.cmd == "status":
            return 0 if _print_status([kafka.single_node(args.port, args.data_dir)]) else 1
        elif args.cmd == "cluster":
            return _cluster(args)
        elif args.cmd == "topics":
            _topics(args)
    except KafkaError as exc:
        say(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
