"""Keeps `make run`'s processes running: a process that dies is started again after a
backoff (1 s, 2 s, 4 s, ... up to 30 s), with a line naming how it ended; after
MAX_RESTARTS quick deaths in a row it is left down and said to keep crashing. A process that
stayed up for STABLE_AFTER seconds starts again from a clean slate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bps_local import LOGS, ROOT

MAX_RESTARTS = 5
STABLE_AFTER = 60.0
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 30.0
STOP_GRACE_SECONDS = 10.0


def out(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def how_it_ended(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


@dataclass
class Child:
    name: str
    cmd: list[str]
    env: dict[str, str]
    port: int | None = None
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0  # quick deaths in a row
    restart_at: float | None = None  # when a dead child is due to start again
    gave_up: bool = False
    ready: bool = False
    history: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return LOGS / f"{self.name}.log"

    def start(self) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            # Own process group: Ctrl-C reaches the supervisor once, and it stops each group
            # deliberately.
            self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=ROOT,
                                         start_new_session=True)
        self.started_at, self.restart_at, self.ready = time.monotonic(), None, self.port is None

    def check_ready(self) -> bool:
        if not self.ready and self.proc and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as resp:
                    self.ready = resp.status == 200
            except OSError:
                pass
        return self.ready


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children

    def start(self) -> None:
        for child in self.children:
            child.start()

    def tick(self) -> None:
        """One look at every child: notice deaths, start what is due, report readiness."""
        now = time.monotonic()
        for child in self.children:
            if child.gave_up or child.proc is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    out(f"{child.name}: starting again (restart {child.restarts} of "
                        f"{MAX_RESTARTS})")
                    child.start()
                continue
            if child.proc.poll() is None:
                was_ready = child.ready
                if child.check_ready() and not was_ready and child.restarts:
                    out(f"{child.name}: back and ready on {child.url}")
                continue
            self._died(child, now)

    def _died(self, child: Child, now: float) -> None:
        ended = how_it_ended(child.proc.returncode)
        if now - child.started_at >= STABLE_AFTER:
            child.restarts = 0
        if child.restarts >= MAX_RESTARTS:
            child.gave_up = True
            out(f"{child.name} {ended}; it keeps crashing ({MAX_RESTARTS} restarts, each "
                f"dying within {STABLE_AFTER:.0f}s), so it stays down. The others keep "
                f"running. See {child.log}")
            return
        delay = min(BACKOFF_FIRST * 2 ** child.restarts, BACKOFF_MAX)
        child.restarts += 1
        child.restart_at = now + delay
        child.ready = child.port is None
        out(f"{child.name} {ended}; restarting in {delay:g}s. See {child.log}")

    def not_ready(self) -> list[Child]:
        return [c for c in self.children if not c.check_ready()]

    def gave_up(self) -> list[Child]:
        return [c for c in self.children if c.gave_up]

    def stop_all(self) -> None:
        running = [c.proc for c in self.children if c.proc and c.proc.poll() is None]
        for proc in running:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)
        for child in self.children:  # whatever a dead child's group left behind
            if child.proc:
                _signal_group(child.proc, signal.SIGKILL)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]
