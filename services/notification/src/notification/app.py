"""The notification service's shape: it follows every journey topic and tells HR about every
dead letter; the delivery worker sends; inbox and webhook routes. `build_app(settings)` turns
it into the app."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from fastapi import FastAPI
from shared.consumer import AfterCommit
from shared.dlq import FailedMessage
from shared.service import ServiceRuntime, build_service_app
from shared.spec import ServiceSpec

from contracts import ApplicantErased, Event, OpportunityAmended, OpportunityPublished
from notification import repository as repo
from notification.api import router
from notification.config import NotificationSettings
from notification.delivery import DeliveryWorker, Senders
from notification.domain import NOTIFYING
from notification.handlers import Notifier
from notification.keys import DataKeyClient
from notification.templates import Templates
from notification.use_cases import NotificationUseCases

# Every event that notifies somebody (domain.PLANS), erasure (which deletes instead) and the
# opportunities the messages name (kept, by projection.py, for their titles and hosts).
HANDLED = (*NOTIFYING, ApplicantErased, OpportunityPublished, OpportunityAmended)


@dataclass(frozen=True)
class Notification:
    """The notifier the consumers call and the worker that sends what it creates."""

    notifier: Notifier
    delivery: DeliveryWorker

    async def on_event(self, conn: asyncpg.Connection, event: Event) -> AfterCommit | None:
        return await self.notifier.on_event(conn, event)

    async def on_dead_letter(self, conn: asyncpg.Connection,
                             msg: FailedMessage) -> AfterCommit | None:
        """HR hears about every dead letter. A raw record: it need not be a valid event."""
        headers = {k: v.decode(errors="replace") for k, v in msg.headers if v is not None}
        return await self.notifier.on_dead_letter(conn, msg.topic, msg.partition, msg.offset,
                                                  headers)


def build(runtime: ServiceRuntime) -> Notification:
    settings = runtime.settings
    runtime.metrics.service_gauge(
        "bps_notification_deliveries_pending",
        "Messages waiting to be sent, being sent or to be retried", repo.pending_deliveries,
        labelnames=("channel", "status"))
    # The delivery worker opens sealed contact details with the applicant service's data keys,
    # outside any consumer transaction: an applicant-service outage holds up only the emails
    # to applicants, never the topics.
    keys = DataKeyClient(settings.applicant_url, settings.applicant_token)
    delivery = DeliveryWorker(settings, runtime.pool, runtime.outbox,
                              Senders(settings, runtime.pool), keys)
    return Notification(Notifier(Templates(settings.web_base_url), delivery.wake), delivery)


SPEC = ServiceSpec(
    name="notification",
    title="Notification service",
    description="Email, signed webhooks and an in-app inbox, with GOV.UK Notify-style delivery "
                "statuses; never sends the same message twice.",
    build=build,
    use_cases=lambda rt, _notification: NotificationUseCases(rt.pool, rt.outbox),
    handlers=dict.fromkeys(HANDLED, Notification.on_event),
    dead_letters=Notification.on_dead_letter,
    workers=(lambda _rt, notification: notification.delivery,),
    routers=(router,),
)


def build_app(settings: NotificationSettings) -> FastAPI:
    return build_service_app(settings, SPEC)
