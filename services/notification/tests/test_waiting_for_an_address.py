"""An applicant's email waits for their address (it comes with their application, on another
topic, possibly late) without spending delivery attempts, and gives up only after a window.
Real broker, real database, real SMTP on loopback."""

import uuid
from contextlib import asynccontextmanager

from contracts.examples import example
from notification.app import build_app
from notification.config import NotificationSettings
from testkit.harness import service as testing_service  # its test_settings is no test
from testkit.harness.events import eventually

from contracts import ApplicationSubmitted, NoMatchFound

from .conftest import FAST


@asynccontextmanager
async def notification(smtp, **overrides):
    settings = await testing_service.test_settings(NotificationSettings, smtp_port=smtp.port,
                                                   **{**FAST, **overrides})
    async with testing_service.running_service(build_app, settings) as service:
        yield service


def overtaken(kind: str) -> tuple[str, NoMatchFound, ApplicationSubmitted]:
    """A new applicant, their application and a NoMatchFound (matches topic) that overtakes it."""
    applicant = f"{kind}-{uuid.uuid4().hex[:6]}"
    app_id = uuid.uuid4()
    app = example(ApplicationSubmitted, application_id=app_id, correlation_id=app_id,
                  applicant_id=applicant, applicant_email=f"{applicant}@dept.example",
                  applicant_name="Late Applicant")
    no_match = example(NoMatchFound, application_id=app_id, correlation_id=app_id,
                       applicant_id=applicant)
    return applicant, no_match, app


def mails_to(smtp, address: str) -> list:
    return [m for m in smtp.messages() if m["X-Envelope-To"] == address]


async def email_row(service, applicant: str, source_event_id: uuid.UUID):
    return await service.runtime.pool.fetchrow(
        "SELECT id, status, attempts, last_error, created_at, next_attempt_at FROM messages"
        " WHERE recipient_id = $1 AND channel = 'email' AND source_event_id = $2",
        applicant, source_event_id)


async def test_an_unknown_address_defers_the_email_without_spending_attempts_until_it_comes(
        smtp):
    applicant, no_match, app = overtaken("late")
    # max_attempts 4 with 0.05 s backoff: spending attempts would fail it in well under a second.
    async with notification(smtp, address_recheck_seconds=0.1) as service:
        async with service.reader("notifications") as reader:
            await service.publish(no_match)

            async def looked_again_many_times():
                row = await email_row(service, applicant, no_match.event_id)
                assert row is None or (row["status"] == "created" and row["attempts"] == 0), row
                waited = row and (row["next_attempt_at"] - row["created_at"]).total_seconds()
                return waited and waited >= 2.0  # about twenty looks, each 0.1 s apart

            await eventually(looked_again_many_times, timeout=30)
            assert mails_to(smtp, f"{applicant}@placements.example") == []  # never guessed

            await service.publish(app)
            await eventually(lambda: len(mails_to(smtp, f"{applicant}@dept.example")) == 2,
                             timeout=30)
            row = await eventually(lambda: _delivered(service, applicant, no_match.event_id),
                                   timeout=10)
            await reader.wait_for_event("NotificationDelivered",
                                        where=lambda e: e.notification_id == row["id"])
        assert row["attempts"] == 1  # the only attempt was the send
        failed = [e for e in reader.events() if e.event_type == "NotificationFailed"
                  and e.notification_id == row["id"]]
        assert failed == []  # waiting is not a failure


async def _delivered(service, applicant, source_event_id):
    row = await email_row(service, applicant, source_event_id)
    return row if row and row["status"] == "delivered" else None


async def test_the_address_arriving_sends_a_waiting_email_without_waiting_for_its_next_look(
        smtp):
    applicant, no_match, app = overtaken("late")
    async with notification(smtp, address_recheck_seconds=600) as service:
        await service.publish(no_match)

        async def deferred_for_long():
            row = await email_row(service, applicant, no_match.event_id)
            return row and (row["next_attempt_at"] - row["created_at"]).total_seconds() > 300

        await eventually(deferred_for_long, timeout=30)
        await service.publish(app)
        # Well before the next look (ten minutes away).
        await eventually(lambda: len(mails_to(smtp, f"{applicant}@dept.example")) == 2,
                         timeout=30)


async def test_an_address_that_never_comes_ends_permanent_failure_after_the_window(smtp):
    applicant, no_match, _ = overtaken("never")
    async with notification(smtp, address_recheck_seconds=0.1,
                            address_window_seconds=1.5) as service:
        async with service.reader("notifications") as reader:
            await service.publish(no_match)

            async def ended():
                row = await email_row(service, applicant, no_match.event_id)
                return row if row and row["status"] != "created" else None

            row = await eventually(ended, timeout=30)
            failed = await reader.wait_for_event(
                "NotificationFailed", where=lambda e: e.notification_id == row["id"])
    assert row["status"] == "permanent-failure"
    assert row["last_error"].startswith("no address for the applicant after 1.5 s")
    assert row["attempts"] == 0  # it was never sent
    last_look = (row["next_attempt_at"] - row["created_at"]).total_seconds()
    assert last_look <= 1.5 + 1e-3  # the looks stayed inside the window
    assert failed.status == "permanent-failure" and failed.detail == row["last_error"]
    assert [m for m in smtp.messages() if m["X-Envelope-To"].startswith(applicant)] == []
