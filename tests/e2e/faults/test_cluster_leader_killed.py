"""On the three-node cluster (replication 3, min.insync.replicas 2) the leader of a busy
partition is SIGKILLed mid-run and stays dead: nothing accepted is lost or applied twice."""

import pytest
from bps_local import kafka as local_kafka

from tests.e2e.faults.checks import journeys_under, short_and_chaos
from tests.e2e.faults.scenario import inject_poison, kill_partition_leader


@pytest.fixture
def cluster():
    try:
        yield local_kafka.ensure_cluster(timeout=180)
    finally:
        local_kafka.stop_cluster()


@pytest.mark.parametrize("journeys", short_and_chaos("BPS_FAULT_CLUSTER_JOURNEYS", 40,
                                                     "BPS_CHAOS_CLUSTER_JOURNEYS", 1000))
async def test_journeys_survive_the_partition_leader_being_killed_with_nothing_lost_or_twice(
        tmp_path, cluster, journeys):
    ledger = await journeys_under(
        tmp_path, journeys, [kill_partition_leader("applications"), inject_poison(at=0.6)],
        bootstrap=cluster, replication=3)
    assert ledger.kills == 1
