"""Journeys keep flowing while each service is SIGKILLed and restarted at random moments:
nothing accepted is lost, nothing is applied twice, poison goes to the DLQs."""

import pytest

from tests.e2e.driver import Plan
from tests.e2e.faults.checks import assert_nothing_lost_nothing_twice
from tests.e2e.faults.scenario import env_int, inject_poison, kill_services, run_with_faults

SERVICE_COUNT = 5


async def sigkill_run(tmp_path, journeys: int, times: int) -> None:
    plan = Plan(journeys=journeys, concurrency=env_int("BPS_FAULT_CONCURRENCY", 64),
                journey_timeout=900, retry_for=300)
    ledger, run = await run_with_faults(tmp_path, plan, [kill_services(times), inject_poison()])
    assert_nothing_lost_nothing_twice(ledger, run)
    assert ledger.kills == SERVICE_COUNT * times, ledger.report()


@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_journeys_survive_each_service_being_sigkilled_once_with_nothing_lost_or_twice(
        tmp_path):
    await sigkill_run(tmp_path, env_int("BPS_FAULT_JOURNEYS", 100), times=1)


@pytest.mark.chaos
@pytest.mark.timeout(4 * 3600)
async def test_5000_journeys_survive_each_service_being_sigkilled_three_times(tmp_path):
    await sigkill_run(tmp_path, env_int("BPS_CHAOS_JOURNEYS", 5000), times=3)
