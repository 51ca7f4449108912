import asyncio
import os
import sys

from contracts import ApplicationWithdrawn, MatchProposed

from .conftest import next_event, publish_events, submitted, wait_logged


async def run_cli(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "monitor.cli", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={**os.environ, "COLUMNS": "220"})
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode()


async def test_tail_prints_readable_lines_for_the_filtered_stream(service):
    first = submitted()
    events = [first, next_event(MatchProposed, first), next_event(ApplicationWithdrawn, first)]
    await publish_events(service, *events)
    await wait_logged(service, *events)
    token = service.auth("hr-op", "hr")["Authorization"].split()[1]

    code, out = await run_cli("tail", "--url", service.url, "--token", token,
                              "--correlation-id", str(first.correlation_id),
                              "--type", "ApplicationSubmitted,ApplicationWithdrawn",
                              "--max-events", "2")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert "ApplicationSubmitted" in lines[0] and "industry" in lines[0]
    assert f"application submitted by {first.applicant_id}" in lines[0]
    assert "ApplicationWithdrawn" in lines[1] and "MatchProposed" not in out
    assert first.applicant_name not in out and first.applicant_email not in out


async def test_tail_explains_a_refused_token(service):
    host = service.auth("h", "host", org="org-windco")["Authorization"].split()[1]
    code, out = await run_cli("tail", "--url", service.url, "--token", host)
    assert code == 2 and "403" in out and "hr" in out
