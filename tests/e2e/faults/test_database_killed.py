"""PostgreSQL (the server and every backend) is SIGKILLed in the middle of journeys and started
again on the same data: services ride out the outage, and nothing accepted is lost or applied
twice. A private cluster on a port of its own, never the shared one."""

import pytest

from tests.e2e.driver import Plan
from tests.e2e.faults.checks import assert_nothing_lost_nothing_twice
from tests.e2e.faults.scenario import (
    PrivateDatabase,
    env_int,
    free_port_pair,
    inject_poison,
    kill_database,
    run_with_faults,
)


@pytest.fixture
def database():
    db = PrivateDatabase(free_port_pair())
    try:
        db.start()
        yield db
    finally:
        db.remove()


async def database_kill_run(tmp_path, db: PrivateDatabase, journeys: int) -> None:
    plan = Plan(journeys=journeys, concurrency=32, journey_timeout=900, retry_for=300)
    ledger, run = await run_with_faults(tmp_path, plan, [kill_database(db),
                                                         inject_poison(at=0.6)],
                                        pg_base=db.dsn_base)
    assert_nothing_lost_nothing_twice(ledger, run)
    assert run.database_kills == 1, "\n".join(run.log)


@pytest.mark.slow
@pytest.mark.timeout(900)  # 40 journeys took 400 s on a loaded 2-core machine: each COMMIT
# waits for its WAL flush here (synchronous_commit=on), as in production
async def test_journeys_survive_postgresql_being_sigkilled_with_nothing_lost_or_twice(
        tmp_path, database):
    await database_kill_run(tmp_path, database, env_int("BPS_FAULT_DATABASE_JOURNEYS", 30))


@pytest.mark.chaos
@pytest.mark.timeout(3600)
async def test_1000_journeys_survive_postgresql_being_sigkilled(tmp_path, database):
    await database_kill_run(tmp_path, database, env_int("BPS_CHAOS_DATABASE_JOURNEYS", 1000))
