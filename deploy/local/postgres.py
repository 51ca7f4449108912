#!/usr/bin/env python3
"""Throw-away PostgreSQL cluster for local runs and tests.

Lives under .local/pg (git-ignored), listens on 127.0.0.1:$BPS_PG_PORT (15432), trusts loopback,
and holds one database per service. Installs Debian's postgresql when the server is missing.
Stdlib only, so it runs before the Python environment exists.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_DIR = ROOT / ".local" / "pg"
DATA = PG_DIR / "data"
LOG = ROOT / ".local" / "logs" / "postgres.log"
DATABASES = ("applicant", "matching", "approval", "notification", "monitor")
USER = "bps"


def port() -> int:
    return int(os.environ.get("BPS_PG_PORT", "15432"))


def dsn_base() -> str:
    return f"postgresql://{USER}@127.0.0.1:{port()}"


def die(msg: str) -> None:
    print(f"postgres: {msg}", file=sys.stderr)
    sys.exit(1)


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    return Path()


def _version_key(path: str) -> int:
    try:
        return int(Path(path).parents[1].name)
    except ValueError:
        return 0


def install_if_missing() -> Path:
    if (bindir() / "pg_ctl").exists():
        return bindir()
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        die("PostgreSQL server binaries are missing; install them with "
            "`sudo apt-get install -y postgresql` and run again.")
    print("postgres: installing Debian's postgresql (first run only)...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    # Debian starts its own cluster on 5432; we never use it, so stop it to save memory.
    subprocess.run(["service", "postgresql", "stop"], check=False, capture_output=True)
    return bindir()


def as_server_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root, so drop to the postgres account when we are root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def serving() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port()), timeout=0.5):
            pass
    except OSError:
        return False
    return _psql("SELECT 1", check=False).returncode == 0


def _psql(sql: str, db: str = "postgres", check: bool = True) -> subprocess.CompletedProcess:
    cmd = [str(bindir() / "psql"), "-h", "127.0.0.1", "-p", str(port()), "-U", USER,
           "-d", db, "-tAc", sql]
    return subprocess.run(cmd, capture_output=True, text=True, check=check)


def initdb(bins: Path) -> None:
    PG_DIR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        uid = pwd.getpwnam("postgres")
        os.chown(PG_DIR, uid.pw_uid, uid.pw_gid)
        _make_traversable(PG_DIR)
    print(f"postgres: creating a throw-away cluster in {DATA}", flush=True)
    subprocess.run(as_server_user([str(bins / "initdb"), "-D", str(DATA), "-U", USER,
                                   "--auth=trust", "-E", "UTF8", "--no-instructions"]),
                   check=True, capture_output=True)


def _make_traversable(path: Path) -> None:
    # The postgres account must be able to walk from / to the data folder of a root checkout.
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


def _stale_pid_file() -> bool:
    pid_file = DATA / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
        return False
    except (ValueError, IndexError, ProcessLookupError):
        return True
    except PermissionError:
        return False


def start() -> None:
    bins = install_if_missing()
    if serving():
        return
    _check_port_free()
    if DATA.exists() and not (DATA / "PG_VERSION").exists():
        shutil.rmtree(DATA)  # half-made by a killed initdb: throw it away
    if not DATA.exists():
        initdb(bins)
    if _stale_pid_file():
        (DATA / "postmaster.pid").unlink()  # left by a killed run; postgres would refuse to start
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.touch()
    if os.geteuid() == 0:
        uid = pwd.getpwnam("postgres")
        os.chown(LOG, uid.pw_uid, uid.pw_gid)
        _make_traversable(LOG.parent)
    opts = (f"-c listen_addresses=127.0.0.1 -p {port()} -k {DATA} -c max_connections=300 "
            "-c synchronous_commit=off -c shared_buffers=128MB -c fsync=on")
    subprocess.run(as_server_user([str(bins / "pg_ctl"), "-D", str(DATA), "-l", str(LOG),
                                   "-o", opts, "-w", "-t", "60", "start"]),
                   check=True, capture_output=True)
    _wait_serving()


def _check_port_free() -> None:
    with socket.socket() as s:
        # SO_REUSEADDR: sockets of a just-stopped cluster linger in TIME_WAIT and would read as
        # busy; a live listener still refuses the bind.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port()))
        except OSError:
            die(f"port {port()} is busy but is not our PostgreSQL; free it or set BPS_PG_PORT "
                "to another port.")


def _wait_serving(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serving():
            return
        time.sleep(0.2)
    die(f"PostgreSQL did not start within {timeout:.0f}s; see {LOG}")


def create_databases() -> None:
    existing = set(_psql("SELECT datname FROM pg_database").stdout.split())
    for db in DATABASES:
        if db not in existing:
            _psql(f'CREATE DATABASE "{db}"')


def stop() -> None:
    if not (DATA / "postmaster.pid").exists():
        return
    subprocess.run(as_server_user([str(bindir() / "pg_ctl"), "-D", str(DATA), "-m", "fast",
                                   "-w", "stop"]), check=False, capture_output=True)


def ensure() -> str:
    start()
    create_databases()
    return dsn_base()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("ensure", help="start (or reuse) the cluster, create databases, print DSN base")
    sub.add_parser("stop", help="stop the cluster")
    sub.add_parser("status", help="say whether the cluster serves")
    sub.add_parser("reset", help="stop and delete the cluster's data")
    args = parser.parse_args()
    if args.cmd == "ensure":
        print(ensure())
    elif args.cmd == "stop":
        stop()
    elif args.cmd == "status":
        print(f"serving on {dsn_base()}" if serving() else "not running")
    elif args.cmd == "reset":
        stop()
        shutil.rmtree(PG_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
