"""The unit of work on a real PostgreSQL: events and effects commit together or not at all,
and after-commit hooks run only after a commit."""

import pytest
from shared.auth import Caller, Role
from shared.db import create_pool, migrate
from shared.outbox import Outbox
from shared.unit_of_work import UnitsOfWork

from .conftest import MIGRATIONS, withdrawn


@pytest.fixture
async def units(settings):
    pool = await create_pool(settings.database_url)
    await migrate(pool, MIGRATIONS)
    try:
        yield UnitsOfWork(pool, Outbox(settings.topic_prefix))
    finally:
        await pool.close()


async def _outbox_ids(units) -> list:
    return [r["event_id"] for r in await units.pool.fetch(
        "SELECT event_id FROM outbox ORDER BY id")]


async def test_a_committed_unit_writes_its_events_in_order_then_runs_its_hooks(units):
    first, second = withdrawn(), withdrawn()
    seen_by_hook = []

    async def hook():
        seen_by_hook.append(await _outbox_ids(units))

    async with units() as uow:
        await uow.publish(first)
        uow.after_commit(hook)
        await units.outbox.add(uow.conn, second)  # code below a use case adds the same way
        # Held: not written yet even as this transaction sees it; one round trip at the end.
        assert await uow.conn.fetchval("SELECT count(*) FROM outbox") == 0

    assert await _outbox_ids(units) == [first.event_id, second.event_id]
    assert seen_by_hook == [[first.event_id, second.event_id]]


async def test_a_failed_unit_writes_nothing_and_runs_no_hook(units):
    ran = []

    async def hook():
        ran.append(True)

    with pytest.raises(RuntimeError, match="rule broken"):
        async with units() as uow:
            await uow.publish(withdrawn())
            uow.after_commit(hook)
            raise RuntimeError("rule broken")

    assert await _outbox_ids(units) == [] and ran == []


async def test_a_failing_hook_does_not_undo_the_committed_work(units):
    event = withdrawn()

    async def broken():
        raise OSError("worker away")

    async with units() as uow:
        await uow.publish(event)
        uow.after_commit(broken)

    assert await _outbox_ids(units) == [event.event_id]


async def test_a_unit_on_a_held_connection_commits_on_that_connection(units):
    event = withdrawn()
    async with units.pool.acquire() as conn:
        async with units.on(conn) as uow:
            assert uow.conn is conn
            await uow.publish(event)
    assert await _outbox_ids(units) == [event.event_id]


def test_central_hr_is_role_hr_with_no_org_or_the_central_org_only():
    hr = frozenset({Role.HR})
    assert Caller("a", hr).is_central_hr and Caller("a", hr, "hr-central").is_central_hr
    assert not Caller("b", hr, "dept-dbt").is_central_hr
    assert not Caller("c", frozenset({Role.HOST}), None).is_central_hr
