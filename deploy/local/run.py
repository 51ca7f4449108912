#!/usr/bin/env python3
"""`make run`: every service as its own process on top of the local Kafka and PostgreSQL.

Starts the dev SMTP server and the five services, waits until each is ready, seeds demo data,
prints where everything is, and on Ctrl-C (or SIGTERM) stops every process it started — and,
unless --keep-infra, the broker and database too — so nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / ".local" / "logs"
SERVICES = (("applicant", 8101), ("matching", 8102), ("approval", 8103),
            ("notification", 8104), ("monitor", 8105))
STOP_GRACE_SECONDS = 10.0


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def service_env(name: str, port: int, args: argparse.Namespace) -> dict[str, str]:
    prefix = name.upper() + "_"
    env = dict(os.environ)
    env.setdefault("BPS_ENV", "local")  # the dev JWT key works only in local or test
    env.update({
        prefix + "HTTP_PORT": str(port),
        prefix + "KAFKA_BOOTSTRAP_SERVERS": args.kafka,
        prefix + "DATABASE_URL": f"{args.pg}/{name}",
    })
    if name == "notification":
        env[prefix + "SMTP_HOST"] = "127.0.0.1"
        env[prefix + "SMTP_PORT"] = str(args.smtp_port)
        # Where to fetch data keys that open sealed contact details (applicant = base port).
        env[prefix + "APPLICANT_URL"] = f"http://127.0.0.1:{args.base_port}"
    return env


def spawn(name: str, cmd: list[str], env: dict[str, str], port: int | None) -> Child:
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
    # Own process group: Ctrl-C reaches us once, and we stop each group deliberately.
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=ROOT, start_new_session=True)
    return Child(name, proc, port)


def wait_ready(children: list[Child], timeout: float) -> None:
    pending = [c for c in children if c.port]
    deadline = time.monotonic() + timeout
    while pending:
        for child in list(pending):
            if child.proc.poll() is not None:
                raise RuntimeError(f"{child.name} exited ({child.proc.returncode}); "
                                   f"see {LOGS / (child.name + '.log')}")
            if _ready(child.url + "/readyz"):
                print(f"  ready  {child.name:<13} {child.url}", flush=True)
                pending.remove(child)
        if time.monotonic() > deadline:
            names = ", ".join(c.name for c in pending)
            raise RuntimeError(f"not ready within {timeout:.0f}s: {names}; see {LOGS}")
        time.sleep(0.2)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


def stop_all(children: list[Child]) -> None:
    for child in children:
        if child.proc.poll() is None:
            _signal_group(child.proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for child in children:
        try:
            child.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child.proc, signal.SIGKILL)
            child.proc.wait(5)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop_infra() -> None:
    print("stopping Kafka and PostgreSQL...", flush=True)
    subprocess.run([sys.executable, str(ROOT / "deploy/local/kafka.py"), "stop"], check=False)
    subprocess.run([sys.executable, str(ROOT / "deploy/local/postgres.py"), "stop"], check=False)


def seed(args: argparse.Namespace) -> None:
    demo = ROOT / "deploy" / "local" / "demo.py"
    if args.no_demo or not demo.exists():
        return
    print("seeding demo data...", flush=True)
    subprocess.run([sys.executable, str(demo), "seed", "--base-port", str(args.base_port)],
                   check=False, cwd=ROOT)


def banner(children: list[Child], args: argparse.Namespace) -> None:
    print("\nBusiness Placement Scheme is running:")
    for c in children:
        if c.port:
            print(f"  {c.name:<13} {c.url}   (OpenAPI {c.url}/docs)")
    print(f"  HR monitor    http://127.0.0.1:{args.base_port + 4}/  (needs an hr token)")
    print(f"  SMTP (dev)    127.0.0.1:{args.smtp_port}, mails in .local/mail/")
    print(f"  Kafka         {args.kafka}      PostgreSQL {args.pg}")
    print("  tokens        make token ROLE=hr SUB=alice")
    print(f"  logs          {LOGS}/<process>.log")
    print("Press Ctrl-C to stop everything.", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS",
                                                          "127.0.0.1:19092"))
    parser.add_argument("--pg", default="postgresql://bps@127.0.0.1:"
                                        + os.environ.get("BPS_PG_PORT", "15432"))
    parser.add_argument("--base-port", type=int, default=8101,
                        help="first service port; the five services take five in a row")
    parser.add_argument("--smtp-port", type=int,
                        default=int(os.environ.get("BPS_SMTP_PORT", "8025")))
    parser.add_argument("--keep-infra", action="store_true",
                        help="leave Kafka and PostgreSQL running on exit")
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--ready-timeout", type=float, default=90.0)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    children: list[Child] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        children.append(spawn("smtp", [sys.executable, "-m", "notification.devsmtp",
                                       "--port", str(args.smtp_port),
                                       "--maildir", str(ROOT / ".local" / "mail")],
                              dict(os.environ), None))
        for i, (name, _) in enumerate(SERVICES):
            port = args.base_port + i
            children.append(spawn(name, [sys.executable, "-m", name],
                                  service_env(name, port, args), port))
        wait_ready(children, args.ready_timeout)
        seed(args)
        print(f"up in {time.monotonic() - started:.1f}s")
        banner(children, args)
        while not stopping:
            dead = [c for c in children if c.proc.poll() is not None]
            if dead:
                print(f"{dead[0].name} exited ({dead[0].proc.returncode}); stopping. "
                      f"See {LOGS / (dead[0].name + '.log')}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("\nstopping...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"make run: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_all(children)
        if not args.keep_infra:
            stop_infra()
        print("stopped; no process left running.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
