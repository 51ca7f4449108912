"""`make run` then Ctrl-C: every process it started is gone afterwards."""

BASE_PORT = 18601  # away from the default 8101.. so a developer's own `make run` is untouched
SMTP_PORT = 18625


def test_ctrl_c_on_make_run_stops_every_process_it_started(make_run):
    run = make_run("bps-run-under-test", BASE_PORT, SMTP_PORT)
    run.wait_for_line("Press Ctrl-C", within=180)
    started = run.processes()
    assert len(started) >= 6, f"expected smtp + 5 services, saw {started}"

    assert run.ctrl_c() == 0, run.text()
    assert "no process left running" in run.text()
    assert run.processes() == []
