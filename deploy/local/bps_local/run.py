"""`make run`: every service as its own process on top of the local Kafka and PostgreSQL.

Starts the local OIDC provider (people sign in through it on the web service), the dev SMTP
server, the five services and the web service, waits until each is ready, seeds demo data,
prints where everything is, and keeps them running: a process that dies is started again
(bps_local.supervise). On Ctrl-C (or SIGTERM) it stops every process it started — and, unless
--keep-infra, this checkout's broker and database too — so nothing is left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from shared.settings import DEV_JWT_SECRET
from web import localrun

from bps_local import LOCAL, LOGS, ROOT, kafka, postgres
from bps_local.supervise import Child, Supervisor, out, python_module

SERVICES = ("applicant", "matching", "approval", "notification", "monitor")


def service_env(name: str, port: int, args: argparse.Namespace,
                auth: dict[str, str]) -> dict[str, str]:
    prefix = name.upper() + "_"
    env = dict(os.environ)
    env.setdefault("BPS_ENV", "local")  # the dev JWT key works only in local or test
    env.update({
        prefix + "HTTP_PORT": str(port),
        prefix + "KAFKA_BOOTSTRAP_SERVERS": args.kafka,
        prefix + "DATABASE_URL": f"{args.pg}/{name}",
        # People's tokens come from the local OIDC provider (its JWKS and issuer); the dev key
        # beside it lets the demo seed, `make simulate` and `make token` keep working.
        prefix + "JWT_DEV_SECRET": DEV_JWT_SECRET,
        **{k: v for k, v in auth.items() if k.startswith(prefix)},
    })
    if name == "notification":
        env[prefix + "SMTP_HOST"] = "127.0.0.1"
        env[prefix + "SMTP_PORT"] = str(args.smtp_port)
        # Where to fetch data keys that open sealed contact details (applicant = base port).
        env[prefix + "APPLICANT_URL"] = f"http://127.0.0.1:{args.base_port}"
    return env


def children(args: argparse.Namespace, auth: dict[str, str]) -> list[Child]:
    made = [Child("smtp", python_module("notification.devsmtp", "--port", str(args.smtp_port),
                                        "--maildir", str(LOCAL / "mail")), dict(os.environ))]
    urls = {}
    for i, name in enumerate(SERVICES):
        port = args.base_port + i
        urls[name] = f"http://127.0.0.1:{port}"
        made.append(Child(name, python_module(name), service_env(name, port, args, auth), port))
    web_cmd, web_env = localrun.web(urls)
    made.append(Child("web", web_cmd, web_env, localrun.WEB_PORT))
    return made


def start_provider(supervisor: Supervisor) -> dict[str, str]:
    """The sign-in provider first: the services' settings name its keys, and notification's
    own service token comes from it. Returns each service's auth settings."""
    provider = Child("oidc", *localrun.provider(ROOT))
    supervisor.children.append(provider)  # stopped with the rest, even if it never answers
    provider.start()
    localrun.wait_for_provider()
    print(f"  ready  {'oidc':<13} {localrun.devoidc.issuer_url(localrun.OIDC_PORT)}",
          flush=True)
    return localrun.service_auth(list(SERVICES))


def wait_ready(supervisor: Supervisor, timeout: float, stopping) -> None:
    deadline = time.monotonic() + timeout
    announced: set[str] = set()
    while not stopping():
        supervisor.tick()
        for child in supervisor.children:
            if child.port and child.ready and child.name not in announced:
                announced.add(child.name)
                print(f"  ready  {child.name:<13} {child.url}", flush=True)
        if given_up := supervisor.gave_up():
            raise RuntimeError(f"{given_up[0].name} keeps crashing at start; "
                               f"see {given_up[0].log}")
        pending = supervisor.not_ready()
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(c.name for c in pending)
            raise RuntimeError(f"not ready within {timeout:.0f}s: {names}; see {LOGS}")
        time.sleep(0.2)


def stop_infra() -> None:
    print("stopping this checkout's Kafka and PostgreSQL...", flush=True)
    try:
        kafka.stop_single()
    except kafka.KafkaError as exc:
        print(f"kafka: {exc}", file=sys.stderr)
    postgres.stop(postgres.default_cluster())


def seed(args: argparse.Namespace) -> None:
    if args.no_demo:
        return
    print("seeding demo data...", flush=True)
    subprocess.run([sys.executable, "-m", "bps_local.demo", "seed", "--base-port",
                    str(args.base_port)], check=False, cwd=ROOT)


def banner(supervisor: Supervisor, args: argparse.Namespace) -> None:
    print("\nBusiness Placement Scheme is running:")
    for c in supervisor.children:
        if c.port:
            print(f"  {c.name:<13} {c.url}   (OpenAPI {c.url}/docs)")
    print(f"  SMTP (dev)    127.0.0.1:{args.smtp_port}, mails in .local/mail/")
    print(f"  Kafka         {args.kafka}      PostgreSQL {args.pg}")
    print("\n".join(localrun.banner(ROOT)))
    print("  API tokens    make token ROLE=hr SUB=alice   (dev tokens, for scripts and /docs)")
    print(f"  logs          {LOGS}/<process>.log")
    print("A process that dies is started again. Press Ctrl-C to stop everything.", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bps_local.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS",
                                                          "127.0.0.1:19092"))
    parser.add_argument("--pg", default=postgres.default_cluster().dsn_base)
    parser.add_argument("--base-port", type=int, default=8101,
                        help="first service port; the five services take five in a row")
    parser.add_argument("--smtp-port", type=int,
                        default=int(os.environ.get("BPS_SMTP_PORT", "8025")))
    parser.add_argument("--keep-infra", action="store_true",
                        help="leave Kafka and PostgreSQL running on exit")
    parser.add_argument("--no-demo", action="store_true", help="do not seed demo data")
    parser.add_argument("--ready-timeout", type=float, default=90.0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    supervisor = Supervisor([])
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.monotonic()
    try:
        auth = start_provider(supervisor)
        for child in children(args, auth):
            supervisor.children.append(child)
            child.start()
        wait_ready(supervisor, args.ready_timeout, lambda: stopping)
        if not stopping:
            seed(args)
            print(f"up in {time.monotonic() - started:.1f}s")
            banner(supervisor, args)
        while not stopping:
            supervisor.tick()
            time.sleep(0.5)
        print("\nstopping...", flush=True)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        out(f"make run: {exc}")
        return 1
    finally:
        supervisor.stop_all()
        if not args.keep_infra:
            stop_infra()
        print("stopped; no process left running.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
