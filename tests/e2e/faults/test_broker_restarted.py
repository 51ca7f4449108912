"""The single broker is SIGKILLed mid-run and started again on the same data: the services
reconnect, and nothing accepted is lost or applied twice. A private broker, never the shared
one."""

import pytest

from tests.e2e.faults.checks import journeys_under
from tests.e2e.faults.scenario import (
    PrivateBroker,
    env_int,
    free_port_pair,
    inject_poison,
    restart_broker,
)


@pytest.fixture
def broker(tmp_path):
    broker = PrivateBroker(free_port_pair(), tmp_path / "kafka")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def restart_run(tmp_path, broker: PrivateBroker, journeys: int) -> None:
    ledger = await journeys_under(tmp_path, journeys, [restart_broker(broker),
                                                       inject_poison(at=0.6)],
                                  bootstrap=broker.bootstrap)
    assert ledger.broker_restarts == 1


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_journeys_survive_a_restart_of_the_single_broker_with_nothing_lost_or_twice(
        tmp_path, broker):
    await restart_run(tmp_path, broker, env_int("BPS_FAULT_BROKER_JOURNEYS", 40))


@pytest.mark.chaos
@pytest.mark.timeout(3600)
async def test_1000_journeys_survive_a_restart_of_the_single_broker(tmp_path, broker):
    await restart_run(tmp_path, broker, env_int("BPS_CHAOS_BROKER_JOURNEYS", 1000))
