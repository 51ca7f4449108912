"""SIGTERM the real service process while the SMTP server holds its answer to an email's DATA:
the send finishes, the message ends `delivered` and its NotificationDelivered event is on the
topic before the process exits (consumers stop, deliveries finish, the relay flushes). Nothing
is left "in doubt" by a restart. Past the shutdown grace period the send is cut off instead:
the stop is bounded, and that one message is left to the stuck-row rule."""

import asyncio
import signal
import uuid

import asyncpg
from contracts.examples import example
from notification.app import build_app
from notification.config import NotificationSettings
from notification.devsmtp import DevSMTP
from testkit.harness import service as testing_service
from testkit.harness.events import TopicReader, eventually, publish
from testkit.harness.postgres import drop_database
from testkit.harness.process import process_for
from testkit.harness.service import running_service

from contracts import ApplicationSubmitted

from .conftest import FAST, free_port

# How long the SMTP server waits, after storing a message, before answering 250: the SIGTERM
# lands inside it. Under send_timeout_seconds and the shutdown grace period (defaults 10, 15).
HOLD_SECONDS = 5.0
ADDRESS = "alice@dept.example"


async def test_a_sigterm_during_an_email_send_lets_it_finish_as_delivered(tmp_path):
    smtp = DevSMTP(tmp_path / "mail", port=free_port(), reply_delay=HOLD_SECONDS).start()
    settings = await testing_service.test_settings(NotificationSettings, smtp_port=smtp.port)
    service = process_for(settings, tmp_path, SMTP_PORT=str(smtp.port),
                          WORKER_POLL_SECONDS="0.05", OUTBOX_POLL_SECONDS="0.05")
    db = await asyncpg.connect(settings.database_url)
    try:
        await asyncio.to_thread(service.start)
        event = submitted()
        async with TopicReader(settings.kafka_bootstrap_servers,
                               settings.topic("notifications")) as reader:
            await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, event)
            # The server has the message and holds its 250: the send is in flight.
            await eventually(lambda: smtp.messages(), timeout=30)
            assert await _email_status(db) == "sending"
            service.proc.send_signal(signal.SIGTERM)
            # uvicorn re-raises the signal once its shutdown is complete, hence -SIGTERM.
            assert await asyncio.to_thread(service.proc.wait, 60) == -signal.SIGTERM
            # Published by the stopping process itself: nothing runs it any more.
            delivered = await reader.wait_for_event(
                "NotificationDelivered", where=lambda e: e.channel == "email")
        assert await _email_status(db) == "delivered"
        assert delivered.recipient_id == "alice" and delivered.attempts == 1
        assert not [e for e in reader.events() if e.event_type == "NotificationFailed"]
        assert len(smtp.messages()) == 1
        log = (tmp_path / "notification.log").read_text()
        assert "Application shutdown complete" in log and "cancelling" not in log
    finally:
        service.kill()
        await db.close()
        smtp.stop()
        await drop_database(settings.database_url)


async def test_past_the_grace_period_the_send_is_cut_off_and_left_sending(smtp):
    # The server never answers within the test; the stop waits half a second for it.
    smtp.handler.reply_delay = 60
    settings = await testing_service.test_settings(
        NotificationSettings, smtp_port=smtp.port, **{**FAST, "shutdown_grace_seconds": 0.5})
    try:
        async with running_service(build_app, settings, drop_db=False) as service:
            await service.publish(submitted())
            await eventually(lambda: smtp.messages(), timeout=30)
        # Stopped, not delivered: the row says the send may or may not have arrived, and
        # recovery marks it technical-failure after stuck_after_seconds (never resent).
        db = await asyncpg.connect(settings.database_url)
        try:
            assert await _email_status(db) == "sending"
        finally:
            await db.close()
    finally:
        await drop_database(settings.database_url)


def submitted() -> ApplicationSubmitted:
    app_id = uuid.uuid4()
    return example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                   applicant_id="alice", applicant_email=ADDRESS, applicant_name="Alice Smith")


async def _email_status(db: asyncpg.Connection) -> str:
    return await db.fetchval("SELECT status FROM messages WHERE channel = 'email'")
