"""On the three-node cluster (replication 3, min.insync.replicas 2) the leader of a busy
partition is SIGKILLed mid-run and stays dead: nothing accepted is lost or applied twice."""

import pytest
from bps_local import kafka as local_kafka

from tests.e2e.driver import Plan
from tests.e2e.faults.checks import assert_nothing_lost_nothing_twice
from tests.e2e.faults.scenario import (
    env_int,
    inject_poison,
    kill_partition_leader,
    run_with_faults,
)


@pytest.fixture
def cluster():
    try:
        yield local_kafka.ensure_cluster(timeout=180)
    finally:
        local_kafka.stop_cluster()


async def leader_run(tmp_path, cluster: str, journeys: int) -> None:
    plan = Plan(journeys=journeys, concurrency=48, journey_timeout=900, retry_for=300)
    ledger, run = await run_with_faults(
        tmp_path, plan, [kill_partition_leader("applications"), inject_poison(at=0.6)],
        bootstrap=cluster, replication=3)
    assert_nothing_lost_nothing_twice(ledger, run)
    assert ledger.kills == 1


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_journeys_survive_the_partition_leader_being_killed_with_nothing_lost_or_twice(
        tmp_path, cluster):
    await leader_run(tmp_path, cluster, env_int("BPS_FAULT_CLUSTER_JOURNEYS", 40))


@pytest.mark.chaos
@pytest.mark.timeout(3600)
async def test_1000_journeys_survive_the_partition_leader_being_killed(tmp_path, cluster):
    await leader_run(tmp_path, cluster, env_int("BPS_CHAOS_CLUSTER_JOURNEYS", 1000))
