"""`make run` then Ctrl-C: every process it started is gone afterwards."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.testing.kafka import kafka_bootstrap_servers
from shared.testing.postgres import pg_dsn_base

ROOT = Path(__file__).resolve().parents[2]
BASE_PORT = 18601  # away from the default 8101.. so a developer's own `make run` is untouched
SMTP_PORT = 18625


def processes_mentioning(needle: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if needle in cmdline or needle in environ:
            found.append(int(pid))
    return found


def test_ctrl_c_on_make_run_stops_every_process_it_started():
    env = {**os.environ, "BPS_RUN_MARKER": "bps-run-under-test"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "deploy/local/run.py"), "--keep-infra", "--no-demo",
         "--base-port", str(BASE_PORT), "--smtp-port", str(SMTP_PORT),
         "--kafka", kafka_bootstrap_servers(), "--pg", pg_dsn_base()],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        output.append(line)
        if "Press Ctrl-C" in line or time.monotonic() > deadline:
            break
    assert any("Press Ctrl-C" in line for line in output), "".join(output)
    started = [p for p in processes_mentioning("bps-run-under-test") if p != proc.pid]
    assert len(started) >= 6, f"expected smtp + 5 services, saw {started}"

    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(output) + rest
    assert "no process left running" in rest
    assert processes_mentioning("bps-run-under-test") == []
