"""The verdict every fault run must reach, and where its counts are written."""

from __future__ import annotations

import time

from tests.e2e.faults.reconcile import Ledger
from tests.e2e.faults.scenario import Run
from tests.e2e.system import ROOT


def assert_nothing_lost_nothing_twice(ledger: Ledger, run: Run) -> None:
    _keep(run)
    stats = run.stats
    assert ledger.problems == [], ledger.report()
    assert (ledger.lost, ledger.duplicates_applied) == (0, 0), ledger.report()
    assert stats.stuck == {} and stats.refused_submissions == [], stats.summary()
    assert ledger.accepted == ledger.terminal == stats.planned, ledger.report()
    assert ledger.poison_dead_lettered == ledger.poison_injected > 0, ledger.report()
    # Every re-published record reached every reader, whose inbox turned it away.
    assert ledger.duplicates_delivered >= ledger.injected_deliveries > 0, ledger.report()


def _keep(run: Run) -> None:
    """The run's log and counts, for the record (make chaos prints the path)."""
    out = ROOT / ".local" / "logs" / f"fault-run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(run.log) + "\n")
    print(f"fault run log: {out}")
