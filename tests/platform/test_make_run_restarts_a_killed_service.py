"""`make run` keeps the system up: a service SIGKILLed under it is started again and serves
once more, while the other services keep serving throughout."""

import signal
import time

import httpx

BASE_PORT = 18701  # away from the default 8101.. and from the other make run test
SMTP_PORT = 18725
SERVICES = ("applicant", "matching", "approval", "notification", "monitor")


def answers(client: httpx.Client, port: int, probe: str) -> bool:
    try:
        return client.get(f"http://127.0.0.1:{port}/{probe}").status_code == 200
    except httpx.HTTPError:
        return False


def test_a_service_sigkilled_under_make_run_is_restarted_while_the_others_keep_serving(
        make_run):
    run = make_run("bps-run-restart-test", BASE_PORT, SMTP_PORT)
    run.wait_for_line("Press Ctrl-C", within=180)
    ports = {name: BASE_PORT + i for i, name in enumerate(SERVICES)}
    victim = run.service("matching")
    others = {name: run.service(name).pid for name in SERVICES if name != "matching"}

    victim.send_signal(signal.SIGKILL)
    down = time.monotonic()
    with httpx.Client(timeout=10.0) as client:
        # Back means ready again: its database and Kafka reachable (/readyz).
        while not answers(client, ports["matching"], "readyz") or time.monotonic() - down < 1:
            for name in others:  # the others answer all along (/readyz would also time the
                # shared broker's ping on a loaded machine, which is not what is tested here)
                assert answers(client, ports[name], "healthz"), \
                    f"{name} stopped serving:\n{run.text()}"
            assert time.monotonic() - down < 120, f"matching never came back:\n{run.text()}"
            time.sleep(0.5)
    assert {name: run.service(name).pid for name in others} == others, "another one restarted"

    said = run.wait_for_line("matching was killed by SIGKILL", within=10)
    assert "restarting in 1s" in said
    run.wait_for_line("matching: back and ready", within=10)
    assert run.service("matching").pid != victim.pid
    assert run.ctrl_c() == 0, run.text()
    assert run.processes() == []
