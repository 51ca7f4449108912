"""The image's run stage, proven without a Docker engine: build the service's venv with the
Dockerfile's own `uv sync` line, start the Dockerfile's own exec-form CMD, and check that it
serves, installs nothing, and exits cleanly and promptly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from shared.kafka import ensure_topics
from testkit.harness.kafka import kafka_bootstrap_servers
from testkit.harness.postgres import create_database, drop_database
from testkit.harness.process import free_port
from testkit.harness.service import unique_prefix

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
UV = os.environ.get("UV", str(Path.home() / ".local" / "bin" / "uv"))
SERVICE = "applicant"


def dockerfile_steps() -> tuple[list[str], str, list[str]]:
    """The sync command, the link it makes and the CMD, exactly as the Dockerfile says."""
    text = DOCKERFILE.read_text()
    sync = re.search(r"^RUN (uv sync .+)$", text, re.M)
    link = re.search(r"^RUN ln -s (\S+) (\S+)$", text, re.M)
    cmd = re.search(r"^CMD (\[.+\])$", text, re.M)
    assert sync and link and cmd, "the Dockerfile lost its sync, link or exec-form CMD line"
    return shlex.split(sync.group(1)), link.group(1), json.loads(cmd.group(1))


def build_venv(venv: Path) -> list[str]:
    sync, link_target, cmd = dockerfile_steps()
    sync = [UV if part == "uv" else part.replace("${SERVICE}", SERVICE) for part in sync]
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON_DOWNLOADS": "never",
           "UV_LINK_MODE": "copy", "UV_PYTHON": "3.11"}
    subprocess.run(sync, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    os.symlink(link_target.replace("${SERVICE}", SERVICE), venv / "bin" / "bps-service")
    # The image's venv lives at /venv; here it lives in a temporary folder.
    return [str(venv / part.removeprefix("/venv/")) if part.startswith("/venv/") else part
            for part in cmd]


def snapshot(venv: Path) -> dict[str, int]:
    return {str(p.relative_to(venv)): p.stat().st_size for p in venv.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}



@pytest.fixture(scope="module")
def image_venv(tmp_path_factory) -> tuple[Path, list[str]]:
    venv = tmp_path_factory.mktemp("image") / "venv"
    return venv, build_venv(venv)


def test_the_image_venv_holds_only_its_own_service(image_venv):
    venv, _ = image_venv
    python = str(venv / "bin" / "python")
    probe = ("import importlib.util as u; print([m for m in ('applicant', 'matching', "
             "'approval', 'notification', 'monitor', 'pytest', 'uv') if u.find_spec(m)])")
    found = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "['applicant']"
    # Installed, not editable: the code runs from site-packages, not from the source tree.
    where = subprocess.run([python, "-c", "import applicant; print(applicant.__file__)"],
                           capture_output=True, text=True, check=True, cwd="/")
    assert str(venv) in where.stdout and str(ROOT / "services") not in where.stdout


async def test_the_image_command_serves_installs_nothing_and_stops_cleanly_on_sigterm(
        image_venv, tmp_path):
    venv, cmd = image_venv
    bootstrap, prefix = kafka_bootstrap_servers(), unique_prefix()
    await ensure_topics(bootstrap, prefix)
    dsn = await create_database("image")
    port = free_port()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path),
           # Any attempt to reach a package registry would go nowhere and fail.
           "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "UV_OFFLINE": "1", "PIP_NO_INDEX": "1", "BPS_ENV": "test",
           "APPLICANT_HTTP_PORT": str(port), "APPLICANT_DATABASE_URL": dsn,
           "APPLICANT_KAFKA_BOOTSTRAP_SERVERS": bootstrap, "APPLICANT_TOPIC_PREFIX": prefix}
    before = snapshot(venv)
    # Popen only forks; it does not wait, so it does not block the loop.
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE,  # noqa: ASYNC220
                            stderr=subprocess.STDOUT)
    try:
        await wait_ready(f"http://127.0.0.1:{port}/readyz", proc)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = await asyncio.to_thread(proc.wait, 30)
        stopped_in = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
        await drop_database(dsn)
    output = proc.stdout.read().decode(errors="replace")
    # uvicorn drains, runs the lifespan's shutdown, then re-raises the signal it caught: a
    # clean stop ends in status 0 or in SIGTERM itself, after "Application shutdown complete".
    assert code in (0, -signal.SIGTERM), f"exit status {code} after SIGTERM:\n{output[-3000:]}"
    assert "Application shutdown complete" in output, output[-3000:]
    assert stopped_in < 20, f"took {stopped_in:.1f} s to stop"
    assert snapshot(venv) == before, "starting the service changed its virtualenv"


async def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"exited with {proc.returncode}:\n"
                                     f"{proc.stdout.read().decode(errors='replace')[-3000:]}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)  # a poll interval, not a wait for an outcome
    raise AssertionError(f"{url} not ready within {timeout} s")
