"""A claim whose COMMIT reached the database just as the connection broke leaves rows
`sending` that the worker never saw: the same worker puts them back in the queue (they were
never sent) instead of letting the stuck-row rule call them "may have been delivered". Rows
whose send has begun are never requeued (real PostgreSQL)."""

import uuid

import asyncpg
import pytest
from notification import repository as repo
from notification.app import SPEC
from notification.delivery import DeliveryWorker, Senders
from notification.domain import Recipient
from shared.db import create_pool, migrate
from shared.outbox import Outbox


def message(n: int) -> repo.NewMessage:
    event = uuid.uuid4()
    return repo.NewMessage(source_event_id=event, source_event_type="MatchProposed",
                           correlation_id=event, application_id=None,
                           recipient=Recipient(role="host", user=f"host-{n}", org="org-a"),
                           channel="email", template="t", subject="s", body="b", payload={})


@pytest.fixture
async def worker(settings):
    """A delivery worker on its migrated database, not started: the tests drive recovery."""
    pool = await create_pool(settings.database_url)
    try:
        await migrate(pool, SPEC.migrations)
        worker = DeliveryWorker(settings, pool, Outbox(settings.topic_prefix),
                                Senders(settings, pool))
        yield worker
        await worker.senders.close()
    finally:
        await pool.close()


async def claim_two_with_one_send_begun(worker) -> list[int]:
    """Two rows claimed by this worker, the second with its send begun: as a round cut between
    its claim and its sends leaves them."""
    async with worker.pool.acquire() as conn:
        for n in range(2):
            await repo.insert_message(conn, message(n))
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM messages ORDER BY id")]
        await repo.mark_sending(conn, ids, worker.instance)
    worker._attempted.add(ids[1])
    return ids


async def test_rows_claimed_but_never_sent_go_back_to_the_queue_and_sent_ones_stay(worker):
    pool = worker.pool
    # The claim commits, but (as if the connection broke) the worker never gets rows back;
    # one other row of the same claim had its send begun.
    ids = await claim_two_with_one_send_begun(worker)
    await worker.recover_stuck()
    rows = {r["id"]: r for r in await pool.fetch("SELECT id, status, attempts FROM messages")}
    assert (rows[ids[0]]["status"], rows[ids[0]]["attempts"]) == ("created", 0)
    assert rows[ids[1]]["status"] == "sending"  # may have gone: never sent again


async def test_another_processs_claims_are_left_to_the_stuck_row_rule(worker):
    pool = worker.pool
    async with pool.acquire() as conn:
        await repo.insert_message(conn, message(0))
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM messages")]
        await repo.mark_sending(conn, ids, uuid.uuid4())  # a process that has since died
    await worker.recover_stuck()
    assert await pool.fetchval("SELECT status FROM messages") == "sending"


async def test_stopping_the_worker_puts_its_unsent_claims_back_and_leaves_begun_sends(worker):
    """What a stop past its grace period leaves: a round cut between its claim and its sends."""
    pool = worker.pool
    # the second row's send had begun when the round was cancelled
    ids = await claim_two_with_one_send_begun(worker)
    await worker.stop()
    rows = {r["id"]: r["status"] for r in await pool.fetch("SELECT id, status FROM messages")}
    assert rows == {ids[0]: "created", ids[1]: "sending"}


async def test_a_send_whose_address_lookup_lost_the_database_goes_back_to_the_queue(worker):
    """PostgreSQL killed between a claim and the send's address look-up: nothing was sent, so
    the row is requeued, not left `sending` for the stuck-row rule to call "in doubt"."""
    pool = worker.pool
    async with pool.acquire() as conn:
        await repo.insert_message(conn, message(0))
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM messages")]
        [row] = await repo.mark_sending(conn, ids, worker.instance)

    async def database_gone(_row):
        raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of "
                                                  "operation")

    worker.senders.email_address = database_gone
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        await worker.deliver(row)
    await worker.recover_stuck()
    assert tuple(await pool.fetchrow("SELECT status, attempts FROM messages")) == ("created", 0)
