"""Throw-away PostgreSQL cluster for local runs and tests.

Lives under .local/pg (git-ignored), listens on 127.0.0.1:$BPS_PG_PORT (15432), trusts loopback,
and holds one database per service. Durable as production runs it: fsync and
synchronous_commit on, so a COMMIT the services acknowledge survives a crash (the figures the
project states are measured this way). Installs Debian's postgresql when the server is missing.

  python -m bps_local.postgres ensure    # start or reuse, create databases; prints the DSN base
  python -m bps_local.postgres install | status | stop | reset

Fault tests run a private cluster (another port and folder) with Cluster(port, home) and
SIGKILL it with kill().
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import pwd
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil

from bps_local import LOCAL, LOGS, ToolError, procs, speaker

DATABASES = ("applicant", "matching", "approval", "notification", "monitor")
USER = "bps"
# Durability as in production: every acknowledged COMMIT is flushed to the WAL on disk.
SERVER_SETTINGS = ("-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
                   "-c max_connections=300 -c shared_buffers=128MB")


class PostgresError(ToolError):
    pass


say = speaker("postgres")


@dataclass(frozen=True)
class Cluster:
    port: int
    home: Path
    log: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def dsn_base(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}"


def default_cluster() -> Cluster:
    return Cluster(int(os.environ.get("BPS_PG_PORT", "15432")), LOCAL / "pg",
                   LOGS / "postgres.log")


def private_cluster(port: int, home: Path) -> Cluster:
    """A cluster of its own (fault tests kill it), its log inside its folder."""
    return Cluster(port, home, home / "postgres.log")


def bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parents[1].name)
                   if Path(p).parents[1].name.isdigit() else 0)
    return Path(found[-1]).parent if found else Path()


def install_if_missing() -> Path:
    if (bindir() / "pg_ctl").exists():
        return bindir()
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise PostgresError("PostgreSQL server binaries are missing; install them with "
                            "`sudo apt-get install -y postgresql` and run again.")
    say("installing Debian's postgresql (first run only)...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    # Debian starts its own cluster on 5432; we never use it, so stop it to save memory.
    subprocess.run(["service", "postgresql", "stop"], check=False, capture_output=True)
    return bindir()


def _as_server_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root, so drop to the postgres account when we are root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    account = pwd.getpwnam("postgres")
    os.chown(path, account.pw_uid, account.pw_gid)
    # The postgres account must be able to walk from / to the folder of a root checkout.
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


async def _query(cluster: Cluster, sql: str, db: str = "postgres") -> list:
    conn = await asyncpg.connect(f"{cluster.dsn_base}/{db}", timeout=5)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def query(cluster: Cluster, sql: str, db: str = "postgres") -> list:
    return asyncio.run(_query(cluster, sql, db))


def serving(cluster: Cluster) -> bool:
    try:
        query(cluster, "SELECT 1")
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def postmaster_pid(cluster: Cluster) -> int | None:
    """The pid of this cluster's server if it runs (from its own postmaster.pid)."""
    try:
        pid = int((cluster.data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if procs.alive(pid) else None


def _initdb(cluster: Cluster, bins: Path) -> None:
    cluster.home.mkdir(parents=True, exist_ok=True)
    _give_to_server_user(cluster.home)
    say(f"creating a throw-away cluster in {cluster.data}")
    subprocess.run(_as_server_user([str(bins / "initdb"), "-D", str(cluster.data), "-U", USER,
                                    "--auth=trust", "-E", "UTF8", "--no-instructions"]),
                   check=True, capture_output=True)


def start(cluster: Cluster) -> None:
    bins = install_if_missing()
    if postmaster_pid(cluster) is not None and serving(cluster):
        return
    if postmaster_pid(cluster) is None and serving(cluster):
        _say_reused(cluster)
        return
    if not procs.port_free(cluster.port):
        raise PostgresError(f"port {cluster.port} is busy ({procs.listener(cluster.port)}) "
                            "but is not a PostgreSQL this checkout can use; free it or set "
                            "BPS_PG_PORT to another port.")
    if cluster.data.exists() and not (cluster.data / "PG_VERSION").exists():
        shutil.rmtree(cluster.data)  # half-made by a killed initdb: throw it away
    if not cluster.data.exists():
        _initdb(cluster, bins)
    if postmaster_pid(cluster) is None:
        # Left by a killed server; postgres itself would refuse to start while it exists.
        (cluster.data / "postmaster.pid").unlink(missing_ok=True)
    cluster.log.parent.mkdir(parents=True, exist_ok=True)
    cluster.log.touch()
    _give_to_server_user(cluster.log)
    opts = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {cluster.data} {SERVER_SETTINGS}"
    done = subprocess.run(_as_server_user([str(bins / "pg_ctl"), "-D", str(cluster.data), "-l",
                                           str(cluster.log), "-o", opts, "-w", "-t", "120",
                                           "start"]), capture_output=True, text=True)
    if done.returncode != 0 or not _wait_serving(cluster):
        raise PostgresError(f"PostgreSQL did not start on port {cluster.port}; see "
                            f"{cluster.log}\n{done.stdout}{done.stderr}")


def _say_reused(cluster: Cluster) -> None:
    """Reusing a database someone else started is allowed (tests and other checkouts share
    one), but never silently: its settings may not be this checkout's."""
    try:
        row = query(cluster, "SELECT current_setting('server_version') v, "
                             "current_setting('data_directory') d, "
                             "current_setting('synchronous_commit') s, "
                             "current_setting('fsync') f")[0]
        found = (f"PostgreSQL {row['v']}, data {row['d']}, synchronous_commit={row['s']}, "
                 f"fsync={row['f']}")
        if (row["s"], row["f"]) != ("on", "on"):
            found += (" - NOT the durability this checkout runs with (both on), so a crash "
                      "may lose acknowledged commits")
    except (OSError, asyncpg.PostgresError, TimeoutError, IndexError) as exc:
        found = f"PostgreSQL (settings unreadable: {exc})"
    say(f"NOTE: port {cluster.port} already has a database server that this checkout did not "
        f"start ({found}; {procs.listener(cluster.port)}).\n"
        "postgres: using it as is. For this checkout's own, stop that one (`make stop` in the "
        "checkout that started it) or pick a free port: BPS_PG_PORT=<port> make run")


def _wait_serving(cluster: Cluster, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if serving(cluster):
            return True
        time.sleep(0.2)
    return False


def create_databases(cluster: Cluster) -> None:
    existing = {r["datname"] for r in query(cluster, "SELECT datname FROM pg_database")}
    for db in DATABASES:
        if db not in existing:
            query(cluster, f'CREATE DATABASE "{db}"')


def stop(cluster: Cluster) -> bool:
    """Stop this checkout's cluster (a server it did not start is left alone)."""
    if postmaster_pid(cluster) is None:
        return False
    subprocess.run(_as_server_user([str(bindir() / "pg_ctl"), "-D", str(cluster.data), "-m",
                                    "fast", "-w", "stop"]), check=False, capture_output=True)
    return True


def kill(cluster: Cluster) -> int:
    """SIGKILL the server and every backend at once, like a crash (fault tests); the next
    start() recovers from the WAL. Returns how many processes were killed."""
    pid = postmaster_pid(cluster)
    if pid is None:
        raise PostgresError(f"no PostgreSQL of {cluster.home} runs")
    server = psutil.Process(pid)
    victims = [server, *server.children(recursive=True)]
    procs.kill(victims)
    return len(victims)


def ensure(cluster: Cluster | None = None) -> str:
    cluster = cluster or default_cluster()
    start(cluster)
    create_databases(cluster)
    return cluster.dsn_base


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bps_local.postgres", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("install", help="install Debian's PostgreSQL server when it is missing")
    sub.add_parser("ensure", help="start (or reuse) the cluster, create databases, print DSN base")
    sub.add_parser("stop", help="stop the cluster")
    sub.add_parser("status", help="say whether the cluster serves")
    sub.add_parser("reset", help="stop and delete the cluster's data")
    args = parser.parse_args(argv)
    cluster = default_cluster()
    try:
        if args.cmd == "install":
            print(install_if_missing())
        elif args.cmd == "ensure":
            print(ensure(cluster))
        elif args.cmd == "stop":
            say("stopped" if stop(cluster) else "not running (from this checkout)")
        elif args.cmd == "status":
            mine = "this checkout's" if postmaster_pid(cluster) else "not this checkout's"
            print(f"serving on {cluster.dsn_base} ({mine})" if serving(cluster)
                  else "not running")
        elif args.cmd == "reset":
            stop(cluster)
            shutil.rmtree(cluster.home, ignore_errors=True)
    except PostgresError as exc:
        say(str(exc))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
