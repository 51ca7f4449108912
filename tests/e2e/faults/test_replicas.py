"""Scale-out without Kubernetes: three replicas of every service on a three-node cluster of
the test's own, journeys spread over the replicas, every replica restarted in turn with
SIGTERM, one SIGKILLed per service, pairs of cohort rounds started at once on two matching
replicas, SLA reminders falling due while every approval replica polls. Nothing accepted is
lost or applied twice; a SIGTERM leaves no email in doubt and no record published twice."""

import time

import pytest
from bps_local import kafka as local_kafka

from tests.e2e.driver import Plan
from tests.e2e.faults.checks import (
    assert_nothing_lost_nothing_twice,
    assert_replicas_consistent,
    short_and_chaos,
)
from tests.e2e.faults.reconcile_replicas import reconcile_replicas
from tests.e2e.faults.replicas import (
    REPLICA_ENV,
    REPLICAS,
    Counts,
    Pace,
    free_cluster_base,
    replica_faults,
    rounds_robot,
    start_replicas,
)
from tests.e2e.faults.scenario import inject_poison, run_with_faults
from tests.e2e.system import SERVICES


@pytest.fixture
def cluster():
    base = free_cluster_base()
    try:
        yield local_kafka.ensure_cluster(base, timeout=180)
    finally:
        local_kafka.stop_cluster(base)


# 15 service processes start twice or more here: aimed at about 4 min on a quiet 2-core
# machine; the bound leaves room for a loaded one.
@pytest.mark.parametrize("journeys", short_and_chaos("BPS_FAULT_REPLICA_JOURNEYS", 36,
                                                     "BPS_CHAOS_REPLICA_JOURNEYS", 1000,
                                                     short_timeout=1200))
async def test_three_replicas_of_each_service_ride_out_rolling_restarts_and_kills(
        tmp_path, cluster, journeys):
    started = time.monotonic()
    counts = Counts()
    # One step per restart and per kill: the journeys are released in step with them.
    pace = Pace(journeys, steps=REPLICAS * len(SERVICES) + len(SERVICES))
    plan = Plan(journeys=journeys, concurrency=48, journey_timeout=900, retry_for=300)
    ledger, run = await run_with_faults(
        tmp_path, plan, [replica_faults(counts, pace), rounds_robot(counts),
                         inject_poison(at=0.5)],
        bootstrap=cluster, replication=3, env=REPLICA_ENV, setup=start_replicas,
        admit=pace.admit, checks=lambda run: reconcile_replicas(run, counts))
    run.say(f"replica run: {journeys} journeys over {REPLICAS} replicas of each service, "
            f"{counts.restarts} SIGTERM restarts (drains {min(counts.drain_seconds):.1f}-"
            f"{max(counts.drain_seconds):.1f}s), {counts.kills} SIGKILLs, "
            f"{len(counts.round_pairs)} pairs of concurrent rounds ({counts.rounds_matched} "
            f"matched), {counts.reminders_fired} reminders, timers fired per approval replica "
            f"{list(counts.timers_fired_by_replica.values())}; "
            f"emails in doubt {counts.sigterm_emails_in_doubt} after the SIGTERMs, "
            f"{ledger.emails_in_doubt} in all; records published twice "
            f"{counts.sigterm_topic_duplicates} after the SIGTERMs, {ledger.topic_duplicates} "
            f"in all; lost {ledger.lost}, duplicates applied {ledger.duplicates_applied}; "
            f"{time.monotonic() - started:.0f}s wall")
    assert_nothing_lost_nothing_twice(ledger, run)
    assert_replicas_consistent(counts, ledger, len(SERVICES))
