"""The verdict every fault run must reach, and where its counts are written."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.driver import Plan
from tests.e2e.faults.reconcile import Ledger
from tests.e2e.faults.replicas import Counts
from tests.e2e.faults.scenario import Fault, Run, env_int, run_with_faults
from tests.e2e.system import ROOT


def short_and_chaos(short_env: str, short: int, chaos_env: str, chaos: int,
                    short_timeout: int = 600) -> list:
    """The two sizes of a fault run, as parameters: the short one `make test` runs (`slow`) and
    the long one only `make chaos` runs; each size can be changed by its variable."""
    return [pytest.param(env_int(short_env, short), id="short",
                         marks=(pytest.mark.slow, pytest.mark.timeout(short_timeout))),
            pytest.param(env_int(chaos_env, chaos), id="chaos",
                         marks=(pytest.mark.chaos, pytest.mark.timeout(3600)))]


async def journeys_under(tmp_path: Path, journeys: int, faults: list[Fault], **system: Any
                         ) -> Ledger:
    """`journeys` journeys (48 at a time, patient with a broker that is away) while `faults`
    strike, checked to the verdict below; the ledger is returned for the fault's own counts."""
    plan = Plan(journeys=journeys, concurrency=48, journey_timeout=900, retry_for=300)
    ledger, run = await run_with_faults(tmp_path, plan, faults, **system)
    assert_nothing_lost_nothing_twice(ledger, run)
    return ledger


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


def assert_replicas_consistent(counts: Counts, ledger: Ledger, services: int) -> None:
    """The replica run's own verdict (reconcile_replicas.py counts it)."""
    report = f"{counts}\n{ledger.report()}"
    assert counts.problems == [], report
    assert counts.restarts == counts.replicas * services, report
    assert counts.kills == ledger.kills == services, report
    # A SIGTERM drains: no send cut off, no record published twice by a relay cut off.
    assert (counts.sigterm_emails_in_doubt, counts.sigterm_topic_duplicates) == (0, 0), report
    assert counts.reminders_fired > 0, report
    assert sum(1 for n in counts.timers_fired_by_replica.values() if n) >= 2, report
    assert counts.round_pairs and counts.rounds_matched > 0, report


def _keep(run: Run) -> None:
    """The run's log and counts, for the record (make chaos prints the path)."""
    out = ROOT / ".local" / "logs" / f"fault-run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(run.log) + "\n")
    print(f"fault run log: {out}")
