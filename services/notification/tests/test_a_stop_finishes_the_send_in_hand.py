"""SIGTERM (a rolling restart) stops the delivery worker: the send in hand is finished and its
outcome recorded, never cut off, since a send cut off mid-way stays in doubt for good (it is
never re-sent). Real PostgreSQL; the send is held open by the test."""

import asyncio
import uuid

import pytest
from notification import repository as repo
from notification.app import SPEC
from notification.delivery import DeliveryWorker, Senders
from notification.domain import Outcome, Recipient, Status
from shared.db import create_pool, migrate
from shared.outbox import Outbox


class HeldSenders(Senders):
    """Every send begins, then waits until the test lets it end (a slow mail server)."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.begun, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, row) -> Outcome:
        self.begun.set()
        await self.release.wait()
        return Outcome(Status.DELIVERED, "250 accepted")


@pytest.fixture
async def pool(settings):
    pool = await create_pool(settings.database_url)
    try:
        await migrate(pool, SPEC.migrations)
        yield pool
    finally:
        await pool.close()


async def test_a_stop_waits_for_the_send_in_hand_and_records_it_delivered(settings, pool):
    event = uuid.uuid4()
    async with pool.acquire() as conn:
        await repo.insert_message(conn, repo.NewMessage(
            source_event_id=event, source_event_type="MatchProposed", correlation_id=event,
            application_id=None, recipient=Recipient(role="host", user="host-1", org="org-a"),
            channel="email", template="t", subject="s", body="b", payload={}))
    senders = HeldSenders(settings, pool)
    worker = DeliveryWorker(settings, pool, Outbox(settings.topic_prefix), senders)
    await worker.start()
    await asyncio.wait_for(senders.begun.wait(), 30)
    stopping = asyncio.create_task(worker.stop())
    # The stop must not end while the send is in hand (it would leave the row `sending`).
    await asyncio.wait([stopping], timeout=1.0)
    assert not stopping.done()
    senders.release.set()
    await asyncio.wait_for(stopping, 30)
    assert await pool.fetchval("SELECT status FROM messages") == "delivered"
