"""Processes and ports, through psutil: find our own processes by command line, kill them,
and tell who listens on a port."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable

import psutil


def find(match: Callable[[list[str]], bool]) -> list[psutil.Process]:
    """Live (non-zombie) processes whose argument list satisfies `match`."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["status"] != psutil.STATUS_ZOMBIE and cmdline and match(cmdline):
            found.append(proc)
    return found


def alive(pid: int) -> bool:
    return process(pid) is not None


def process(pid: int) -> psutil.Process | None:
    """The running process `pid`; None when there is none, or only a zombie (exited, not yet
    reaped), which serves nothing."""
    try:
        proc = psutil.Process(pid)
        return proc if proc.status() != psutil.STATUS_ZOMBIE else None
    except psutil.NoSuchProcess:
        return None


def kill(procs: Iterable[psutil.Process]) -> None:
    """SIGKILL them all at once and wait until they are gone (children get reaped)."""
    procs = list(procs)
    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        # SO_REUSEADDR: sockets of a just-stopped server linger in TIME_WAIT and would read as
        # busy; a live listener still refuses the bind.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_run(count: int, candidates: Iterable[int]) -> int:
    """The first candidate starting `count` free consecutive ports (a KRaft node's controller
    listens beside its broker port, a TLS node's SASL_SSL listener beside that)."""
    for port in candidates:
        if all(port_free(p) for p in range(port, port + count)):
            return port
    raise RuntimeError(f"no {count} free consecutive ports")


def listener(port: int) -> str:
    """Who listens on 127.0.0.1:`port`, for a message to a person (pid, name, folder)."""
    try:
        conns = psutil.net_connections("tcp")
    except psutil.AccessDenied:
        return "a process this user cannot see"
    for conn in conns:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            if conn.pid is None:
                return "a process this user cannot see"
            try:
                proc = psutil.Process(conn.pid)
                return f"pid {conn.pid}, {proc.name()}, working in {proc.cwd()}"
            except psutil.Error:
                return f"pid {conn.pid}"
    return "nothing listening (yet)"
