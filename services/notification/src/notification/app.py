"""Wiring: consumers of every journey topic and the dead-letter topics, the delivery worker,
and the HTTP routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contracts.topics import DLQ_SUFFIX, TOPICS
from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from shared.service import ServiceRuntime, build_service_app

from contracts import (
    ApplicantErased,
    ApplicationSubmitted,
    ApplicationSubmittedV2,
    ApplicationWithdrawn,
    ApprovalEscalated,
    ApprovalGranted,
    ApprovalRefused,
    ApprovalReminderDue,
    ApprovalStageOpened,
    MatchProposed,
    NoMatchFound,
    PlacementApproved,
    PlacementConfirmed,
    PlacementRejected,
)
from notification.api import router
from notification.config import NotificationSettings
from notification.delivery import DeliveryWorker, Senders
from notification.handlers import Notifier
from notification.keys import DataKeyClient
from notification.templates import Templates
from notification.use_cases import NotificationUseCases

CONSUMED_TOPICS = ("applications", "matches", "approvals", "placements")
HANDLED = (ApplicationSubmitted, ApplicationSubmittedV2, ApplicationWithdrawn, ApplicantErased,
           MatchProposed, NoMatchFound, ApprovalStageOpened, ApprovalReminderDue, ApprovalGranted,
           ApprovalRefused, ApprovalEscalated, PlacementApproved, PlacementConfirmed,
           PlacementRejected)


def build_app(settings: NotificationSettings) -> FastAPI:
    async def wire(runtime: ServiceRuntime):
        worker = DeliveryWorker(settings, runtime.pool, runtime.outbox,
                                Senders(settings, runtime.pool))
        keys = DataKeyClient(settings.applicant_url, settings.applicant_token)
        notifier = Notifier(Templates(), worker.wake, keys.open_contact)
        consumer = runtime.consumer()
        for event_type in HANDLED:
            consumer.on(event_type, notifier.on_event)
        consumer.attach(runtime.broker, *runtime.topics(*CONSUMED_TOPICS))
        attach_dead_letters(runtime, notifier)
        runtime.state["worker"] = worker
        runtime.use_cases = NotificationUseCases(runtime.pool, runtime.outbox)
        worker.start()
        return worker.stop

    return build_service_app(
        settings, title="Notification service",
        description="Email, signed webhooks and an in-app inbox, with GOV.UK Notify-style "
                    "delivery statuses; never sends the same message twice.",
        migrations=Path(__file__).parent / "migrations", wire=wire, routers=[router])


def attach_dead_letters(runtime: ServiceRuntime, notifier: Notifier) -> None:
    """HR hears about every dead letter. Raw records: a dead letter need not be a valid event."""
    topics = runtime.topics(*(t.name + DLQ_SUFFIX for t in TOPICS))

    async def raw(message: Any) -> bytes:
        return message.body

    group = runtime.settings.topic(f"{runtime.settings.service_name}-dlq")  # prefixed, like topics

    @runtime.broker.subscriber(*topics, group_id=group,
                               auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL,
                               decoder=raw)
    async def on_dead_letter(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
        after = None
        async with runtime.pool.acquire() as conn, conn.transaction():
            after = await notifier.on_dead_letter(conn, record.topic, record.partition,
                                                  record.offset, headers)
        await message.ack()
        if after is not None:
            await after()
