"""SIGKILL the real service process while slow receivers hold its email and webhook requests
open (sent, unanswered), restart it, redeliver the event: each receiver still has one copy."""

import asyncio
import uuid

import asyncpg
import httpx
from contracts.examples import example
from notification.config import NotificationSettings
from notification.devsmtp import DevSMTP
from shared.auth import mint_dev_token
from testkit.harness import service as testing_service
from testkit.harness.events import eventually, publish
from testkit.harness.postgres import drop_database
from testkit.harness.process import ServiceProcess

from contracts import ApprovalGranted, MatchProposed

from .conftest import WebhookReceiver, free_port


def env_for(settings: NotificationSettings, port: int, **extra: object) -> dict[str, str]:
    base = {"DATABASE_URL": settings.database_url, "TOPIC_PREFIX": settings.topic_prefix,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "HTTP_PORT": port, "SMTP_PORT": settings.smtp_port, "WORKER_POLL_SECONDS": 0.05,
            "OUTBOX_POLL_SECONDS": 0.05, **extra}
    return {f"NOTIFICATION_{k}": str(v) for k, v in base.items()}


async def test_killing_the_service_between_send_and_status_never_yields_a_second_copy(tmp_path):
    smtp = DevSMTP(tmp_path / "mail", port=free_port(), reply_delay=20).start()
    receiver = WebhookReceiver(delay=20).start()
    settings = await testing_service.test_settings(NotificationSettings, smtp_port=smtp.port)
    port = free_port()
    log = tmp_path / "notification.log"
    # Long timeouts on the first run: the sends are still in flight when the kill comes.
    first = ServiceProcess("notification", env_for(settings, port, SEND_TIMEOUT_SECONDS=30,
                                                   STUCK_AFTER_SECONDS=40), port, log)
    pool = await asyncpg.connect(settings.database_url)
    try:
        await asyncio.to_thread(first.start)
        token = mint_dev_token("hugo", ["host"], "acme")
        async with httpx.AsyncClient(base_url=first.url) as client:
            r = await client.post("/webhooks", json={"url": receiver.url},
                                  headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 201, r.text
            # Alice's address (normally read from her application) is known before her match.
            r = await client.put("/contacts/alice", json={"email": "alice@dept.example"},
                                 headers={"Authorization":
                                          f"Bearer {mint_dev_token('hr-1', ['hr'], None)}"})
            assert r.status_code == 200, r.text

        app_id = uuid.uuid4()
        event = example(MatchProposed, application_id=app_id, correlation_id=app_id,
                        applicant_id="alice", host_org_id="acme")
        await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, event)
        # Both emails (applicant, host) and the webhook have reached their receivers, whose
        # answers are still 20 s away.
        await eventually(lambda: len(smtp.messages()) == 2 and len(receiver.requests) == 1,
                         timeout=30)
        first.kill()
        sending = await pool.fetchval(
            "SELECT count(*) FROM messages WHERE status = 'sending' AND channel <> 'inbox'")
        assert sending == 3

        smtp.handler.reply_delay = receiver.delay = 0
        second = ServiceProcess("notification", env_for(settings, port, SEND_TIMEOUT_SECONDS=1,
                                                        STUCK_AFTER_SECONDS=2), port, log)
        await asyncio.to_thread(second.start)
        try:
            await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, event, event)
            marker = example(ApprovalGranted, application_id=app_id, correlation_id=app_id,
                             applicant_id="alice")
            await publish(settings.kafka_bootstrap_servers, settings.topic_prefix, marker)
            await eventually(lambda: _technical_failures(pool, 3), timeout=30)
            await eventually(lambda: len(smtp.messages()) == 3, timeout=30)  # the marker
        finally:
            await asyncio.to_thread(second.stop)
        subjects = [m["Subject"] for m in smtp.messages()]
        assert subjects.count("We have found a possible placement for you") == 1
        assert subjects.count("A candidate has been proposed for your placement") == 1
        assert len(receiver.requests) == 1
    finally:
        first.kill()
        await pool.close()
        smtp.stop()
        receiver.stop()
        await drop_database(settings.database_url)


async def _technical_failures(pool, n: int) -> bool:
    return await pool.fetchval(
        "SELECT count(*) FROM messages WHERE status = 'technical-failure'") == n
