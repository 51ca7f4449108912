"""`make run`'s supervisor restarts a process that dies with a growing backoff, names how it
ended, and after MAX_RESTARTS quick deaths says it keeps crashing and leaves it down."""

import sys
import time

from bps_local import supervise


def test_a_process_that_keeps_crashing_is_restarted_with_backoff_then_given_up_on(
        monkeypatch, capsys):
    monkeypatch.setattr(supervise, "BACKOFF_FIRST", 0.05)
    crash = supervise.Child("crasher", [sys.executable, "-c", "raise SystemExit(3)"], {})
    steady = supervise.Child("steady", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    supervisor = supervise.Supervisor([crash, steady])
    supervisor.start()
    try:
        deadline = time.monotonic() + 60
        while not crash.gave_up:
            assert time.monotonic() < deadline, capsys.readouterr().out
            supervisor.tick()
            time.sleep(0.02)
        said = capsys.readouterr().out
        delays = [line.split("restarting in ")[1].split("s.")[0] for line in said.splitlines()
                  if "crasher exited with status 3; restarting in" in line]
        assert delays == ["0.05", "0.1", "0.2", "0.4", "0.8"]  # doubling, MAX_RESTARTS of them
        assert "crasher: starting again (restart 5 of 5)" in said
        assert "crasher exited with status 3; it keeps crashing" in said
        assert steady.proc.poll() is None and not steady.gave_up and steady.restarts == 0
    finally:
        supervisor.stop_all()
    assert steady.proc.poll() is not None, "stop_all left a process running"


def test_how_a_process_ended_is_named_by_its_signal_or_status():
    assert supervise.how_it_ended(-9) == "was killed by SIGKILL"
    assert supervise.how_it_ended(1) == "exited with status 1"
