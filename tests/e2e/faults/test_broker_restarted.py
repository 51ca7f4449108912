"""The single broker is SIGKILLed mid-run and started again on the same data: the services
reconnect, and nothing accepted is lost or applied twice. A private broker, never the shared
one."""

import pytest

from tests.e2e.faults.checks import journeys_under, short_and_chaos
from tests.e2e.faults.scenario import (
    PrivateBroker,
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


@pytest.mark.parametrize("journeys", short_and_chaos("BPS_FAULT_BROKER_JOURNEYS", 40,
                                                     "BPS_CHAOS_BROKER_JOURNEYS", 1000))
async def test_journeys_survive_a_restart_of_the_single_broker_with_nothing_lost_or_twice(
        tmp_path, broker, journeys):
    ledger = await journeys_under(tmp_path, journeys, [restart_broker(broker),
                                                       inject_poison(at=0.6)],
                                  bootstrap=broker.bootstrap)
    assert ledger.broker_restarts == 1
